//! Clients generated from `openapi/openapi.json` with standard generators (typescript-fetch by
//! openapi-generator, openapi-python-client) upload a real clip to the real server — with API keys
//! on, as a deployment would — and read the instruments back.
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use e2e::{real_dev_dir, repo_root, scratch_dir, test_model_dir, Server};
use serde_json::Value;

const KEY: &str = "client-test-key";

/// Generates both clients once per test process.
fn clients() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("openapi-clients");
        let status = Command::new("bash")
            .arg(repo_root().join("scripts/generate-clients.sh"))
            .arg(&dir)
            .status()
            .expect("run scripts/generate-clients.sh");
        assert!(status.success(), "generating the clients failed");
        dir
    })
    .clone()
}

fn check(out: std::process::Output, what: &str) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{what} failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{what} printed {stdout}: {e}"));
    assert_eq!(v["model_id"], "untrained-test", "{v}");
    let instruments = v["instruments"].as_array().unwrap();
    assert_eq!(instruments.len(), 11, "{v}");
    assert!(instruments.iter().all(|i| (0.0..=1.0).contains(&i[1].as_f64().unwrap())), "{v}");
    v
}

#[test]
#[ignore = "needs node, npm and Java for openapi-generator (scripts/install-deploy-tools.sh)"]
fn typescript_client_uploads_a_clip() {
    let dir = clients();
    let server = Server::start(&test_model_dir("openapi-clients"), &["--api-keys", KEY]);
    let clip = real_dev_dir().join("phenicx_anechoic__cello.wav");
    let out = Command::new("node")
        .arg(dir.join("typescript/dist/smoke.js"))
        .args([server.base.as_str(), clip.to_str().unwrap(), KEY])
        .output()
        .unwrap();
    let v = check(out, "the TypeScript client");
    assert_eq!(v["ready"], "ready");
    // S2: the top score is 1.
    assert_eq!(v["instruments"][0][1].as_f64(), Some(1.0), "{v}");
    assert_eq!(v["timeline"], v["windows"], "{v}");
    // Segments come for exactly the present instruments.
    let mut labels: Vec<&str> = v["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    labels.sort();
    let segmented: Vec<&str> = v["segmented"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(segmented, labels, "{v}");
}

#[test]
#[ignore = "needs the generated Python client environment (scripts/install-deploy-tools.sh)"]
fn python_client_uploads_a_clip() {
    let dir = clients();
    let server = Server::start(&test_model_dir("openapi-clients"), &["--api-keys", KEY]);
    let clip = real_dev_dir().join("phenicx_anechoic__cello.wav");
    let out = Command::new(repo_root().join(".cache/tools/gen-venv/bin/python"))
        .arg(dir.join("python/smoke.py"))
        .args([server.base.as_str(), clip.to_str().unwrap(), KEY])
        .env("PYTHONPATH", dir.join("python"))
        .output()
        .unwrap();
    let v = check(out, "the Python client");
    assert_eq!(v["aggregation"], "s1");
    assert!((v["threshold"].as_f64().unwrap() - 0.3).abs() < 1e-6, "{v}");
    // Without the key the same call is refused.
    let out = Command::new(repo_root().join(".cache/tools/gen-venv/bin/python"))
        .arg(dir.join("python/smoke.py"))
        .args([server.base.as_str(), clip.to_str().unwrap()])
        .env("PYTHONPATH", dir.join("python"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "no key, yet the call succeeded");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("401"), "refused, but not for the key: {said}");
}

/// The final answer a stream example printed, checked against the upload's labels.
fn check_stream(out: std::process::Output, what: &str, server: &Server, clip: &std::path::Path) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{what} failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{what} printed {stdout}: {e}"));
    assert_eq!(v["labels"].as_array().unwrap().len(), 11, "{v}");
    let windows = v["recognition"]["windows"].as_u64().unwrap();
    // One window or silent message per window of the answer; the answer's recording is cut at
    // its last loud sample, which a stream cannot know while it plays, so a quiet end may add a
    // few provisional windows past the answer's.
    let (heard, silent) = (v["window"].as_u64().unwrap(), v["silent"].as_u64().unwrap());
    assert!((windows..=windows + 8).contains(&(heard + silent)), "a message per window: {v}");
    let mut r = e2e::http_agent()
        .post(server.url("/v1/recognize"))
        .header("authorization", format!("Bearer {KEY}"))
        .send(&std::fs::read(clip).unwrap()[..])
        .unwrap();
    let upload: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["recognition"]["labels"], upload["labels"], "{what}: the stream's answer is the upload's");
    assert_eq!(v["recognition"]["windows"], upload["windows"]);
}

/// Runs a stream example (`program` and its first arguments) against a live server with keys.
fn stream_example(mut program: Command, what: &str) {
    let server = Server::start(&test_model_dir("openapi-clients"), &["--api-keys", KEY, "--max-stream-lead-s", "1000"]);
    let clip = real_dev_dir().join("vocadito__vocadito_1.wav");
    let out = program.args([server.base.as_str(), clip.to_str().unwrap(), KEY]).output().unwrap();
    check_stream(out, what, &server, &clip);
}

#[test]
#[ignore = "needs node and TypeScript (scripts/generate-clients.sh installs it)"]
fn typescript_stream_example_streams_a_clip() {
    let mut node = Command::new("node");
    node.arg("--experimental-websocket").arg(clients().join("typescript/dist/stream.js"));
    stream_example(node, "the TypeScript stream example");
}

#[test]
#[ignore = "needs the clients' Python environment with websockets (scripts/generate-clients.sh)"]
fn python_stream_example_streams_a_clip() {
    let mut python = Command::new(repo_root().join(".cache/tools/gen-venv/bin/python"));
    python.arg(clients().join("python/stream.py"));
    stream_example(python, "the Python stream example");
}
