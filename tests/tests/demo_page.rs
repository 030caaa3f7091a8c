//! The demo page in a real browser: headless Debian Chromium driven by playwright-core uploads a
//! real clip to the default model, and the page shows the 11 instruments in the order of the
//! API's answer, a timeline heat map, the instruments' time ranges, and for a text file an error a person can act on. The screenshot is left in
//! `target/screenshots/demo-page.png`.
use std::process::Command;

use e2e::{http_agent, real_dev_dir, repo_root, Server};
use serde_json::Value;

/// Runs a playwright script of tests/browser/ in headless Chromium; what it printed, as JSON.
fn browser(script: &str, args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(repo_root().join("tests/browser").join(script))
        .args(args)
        .env("NODE_PATH", repo_root().join(".cache/tools/browser/node_modules"))
        .output()
        .expect("run node (scripts/install-deploy-tools.sh installs playwright-core and chromium)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "browser run failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
#[ignore = "needs node, playwright-core and chromium (scripts/install-deploy-tools.sh)"]
fn demo_page_shows_the_instruments_of_an_uploaded_clip() {
    let server = Server::start(&repo_root().join("models/default"), &[]);
    let clip = real_dev_dir().join("vocadito__vocadito_1.wav"); // 33 s of singing
                                                                // What the API says about the clip, to compare with what the page shows.
    let mut r =
        http_agent().post(server.url("/v1/recognize?segments=true")).send(&std::fs::read(&clip).unwrap()[..]).unwrap();
    let api: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let api_order: Vec<&str> =
        api["instruments"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();

    let shots = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("demo-page.png");
    let seen = browser("demo.cjs", &[server.base.as_str(), clip.to_str().unwrap(), shot.to_str().unwrap()]);

    let rows = seen["rows"].as_array().unwrap();
    let page_order: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(page_order, api_order, "the chart's order differs from the API's");
    assert_eq!(rows[0]["width"].as_f64(), Some(100.0), "S2: the top bar is full");
    let present: Vec<bool> =
        api["instruments"].as_array().unwrap().iter().map(|i| i["present"].as_bool().unwrap()).collect();
    assert_eq!(rows.iter().map(|r| r["present"].as_bool().unwrap()).collect::<Vec<_>>(), present);
    assert!(seen["inked"].as_u64().unwrap() > 5_000, "the heat map is blank: {seen}");
    assert!(seen["status"].as_str().unwrap().contains("windows"), "{seen}");
    // The ranges drawn are the API's segments, one bar per range, one line per instrument.
    let api_segments = api["segments"].as_object().unwrap();
    let api_bars: usize = api_segments.values().map(|s| s.as_array().unwrap().len()).sum();
    assert!(api_bars > 0, "the API gave no segments for a singing clip: {api}");
    assert_eq!(seen["bars"].as_u64(), Some(api_bars as u64), "{seen}");
    for line in seen["ranges"].as_array().unwrap() {
        let label = line["label"].as_str().unwrap();
        let n = api_segments[label].as_array().unwrap().len();
        assert_eq!(line["text"].as_str().unwrap().matches(" s").count(), n, "{line}");
    }
    let error = seen["error"].as_str().unwrap();
    assert!(error.contains("does not look like an audio file"), "{error}");
    let console = seen["consoleErrors"].as_array().unwrap();
    assert!(console.len() == 1 && console[0].as_str().unwrap().contains("415"), "only the 415 is logged: {seen}");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "no screenshot");
}

/// Live mode: Chromium's fake microphone plays a real sung clip; the page streams it to
/// `/v1/stream` through an AudioWorklet and shows the voice while it plays and in its final
/// answer. The screenshot is left in `target/screenshots/demo-live.png`.
#[test]
#[ignore = "needs node, playwright-core and chromium (scripts/install-deploy-tools.sh)"]
fn demo_page_listens_to_a_microphone_and_names_its_instrument() {
    let server = Server::start(&repo_root().join("models/default"), &[]);
    // 33 s of singing; Chromium reads the fake microphone's file only by a path without `..`.
    let clip = real_dev_dir().join("vocadito__vocadito_1.wav").canonicalize().unwrap();
    let shots = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("demo-live.png");
    let seen = browser("live.cjs", &[server.base.as_str(), clip.to_str().unwrap(), shot.to_str().unwrap(), "12"]);
    println!("{seen}");
    assert!(seen["windows"].as_u64().unwrap() >= 12, "{seen}");
    let rows = seen["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 11, "{seen}");
    assert_eq!(rows[0]["label"], "voi", "the final answer's top instrument is the voice: {seen}");
    assert!(seen["status"].as_str().unwrap().contains("voice"), "{seen}");
    assert!(seen["liveStatus"].as_str().unwrap().contains("voice"), "the running summary names the voice: {seen}");
    assert!(seen["inked"].as_u64().unwrap() > 1_000, "the live heat map is blank: {seen}");
    assert!(seen["consoleErrors"].as_array().unwrap().is_empty(), "{seen}");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "no screenshot");
}
