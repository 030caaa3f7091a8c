//! Every upload of the hostile corpus (`e2e::hostile`) against the real server: the documented
//! status, a JSON error naming the problem, and a server that still answers afterwards. The
//! corpus is also written to `tests/corpus/` (seeds for the fuzzers).
use e2e::hostile::{corpus, DURATION_LIMIT};
use e2e::{http_agent, repo_root, test_model_dir, Server};
use serde_json::Value;

#[test]
fn every_hostile_upload_gets_its_status_and_the_server_stays_up() {
    let cases = corpus(&repo_root().join("shared/tests/fixtures"));
    let dir = repo_root().join("tests/corpus");
    std::fs::create_dir_all(&dir).unwrap();
    for c in &cases {
        std::fs::write(dir.join(format!("{}.bin", c.name)), &c.body).unwrap();
    }
    let limit = DURATION_LIMIT.to_string();
    let server =
        Server::start(&test_model_dir("hostile"), &["--max-audio-seconds", &limit, "--max-body-bytes", "8000000"]);
    let agent = http_agent();
    let mut wrong = Vec::new();
    for c in &cases {
        let mut r = agent
            .post(server.url("/v1/recognize"))
            .header("content-type", c.content_type)
            .send(&c.body[..])
            .unwrap_or_else(|e| panic!("{}: no answer: {e}", c.name));
        let status = r.status().as_u16();
        let json = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = r.body_mut().read_to_string().unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let got_type = v["error_type"].as_str();
        let fine = status == c.status
            && json.starts_with("application/json")
            && match c.error_type {
                Some(t) => got_type == Some(t) && v["error"].as_str().is_some_and(|e| !e.is_empty()),
                None => v["instruments"].as_array().is_some_and(|a| a.len() == 11),
            };
        if !fine {
            wrong.push(format!("{}: want {} {:?}, got {status} {text}", c.name, c.status, c.error_type));
        }
        let mut h =
            agent.get(server.url("/healthz")).call().unwrap_or_else(|e| panic!("after {}: /healthz: {e}", c.name));
        assert_eq!(h.status().as_u16(), 200, "after {}: {}", c.name, h.body_mut().read_to_string().unwrap_or_default());
    }
    assert!(wrong.is_empty(), "{} of {} cases answered wrongly:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
    println!("{} hostile inputs answered as documented", cases.len());
}
