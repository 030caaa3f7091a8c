//! Operating the real server: metrics, API keys, timing headers, request timeout, the OpenAPI
//! document and the demo page (graceful shutdown under load: server_connections.rs).
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use e2e::{http_agent, real_dev_clip as clip, repo_root, test_model_dir, Server};
use serde_json::Value;

fn get(server: &Server, path: &str) -> (u16, String) {
    let mut r = http_agent().get(server.url(path)).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

#[test]
fn metrics_carry_every_series_after_requests() {
    let server = Server::start(&test_model_dir("server-ops"), &[]);
    let agent = http_agent();
    let mut r = agent
        .post(server.url("/v1/recognize"))
        .header("content-type", "audio/wav")
        .send(&clip("phenicx_anechoic__cello.wav")[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    for h in ["x-decode-time", "x-queue-time", "x-inference-time", "x-total-time"] {
        let ms: f64 = r.headers().get(h).unwrap_or_else(|| panic!("{h} missing")).to_str().unwrap().parse().unwrap();
        assert!((0.0..60_000.0).contains(&ms), "{h}: {ms}");
    }
    let _ = r.body_mut().read_to_string();
    let r = agent.post(server.url("/v1/recognize")).send(&b"RIFF....WAVEfmt "[..]).unwrap();
    assert_eq!(r.status().as_u16(), 400);

    let (status, text) = get(&server, "/metrics");
    assert_eq!(status, 200);
    for series in [
        r#"instrument_server_requests_total{method="POST",route="/v1/recognize",status="200"} 1"#,
        r#"instrument_server_requests_total{method="POST",route="/v1/recognize",status="400"} 1"#,
        r#"instrument_server_request_duration_seconds_count{route="/v1/recognize"} 2"#,
        "instrument_server_requests_in_flight 1", // the /metrics request itself
        "instrument_server_queue_time_seconds_count 1",
        "instrument_server_inference_time_seconds_count 1",
        "instrument_server_batch_size_windows_count 1",
        "instrument_server_queue_depth 0",
        "instrument_server_audio_seconds_total",
        r#"instrument_server_decode_failures_total{kind="truncated"} 1"#,
        r#"instrument_server_model_info{device="cpu",model_id="untrained-test"} 1"#,
    ] {
        assert!(text.contains(series), "missing {series:?} in\n{text}");
    }
}

#[test]
fn api_keys_guard_v1_only() {
    let server = Server::start(&test_model_dir("server-ops"), &["--api-keys", "k-one,k-two"]);
    let agent = http_agent();
    let wav = clip("phenicx_anechoic__cello.wav");
    let mut r = agent.post(server.url("/v1/recognize")).send(&wav[..]).unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers().get("www-authenticate").unwrap(), "Bearer");
    // Refused before its body was read: the connection closes, and the keep-alive agent below
    // must not reuse it.
    assert_eq!(r.headers().get("connection").unwrap(), "close");
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["error_type"], "unauthorized");
    let r = agent.get(server.url("/v1/model")).header("authorization", "Bearer wrong").call().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = agent.post(server.url("/v1/recognize")).header("authorization", "Bearer k-two").send(&wav[..]).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    for open in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/"] {
        assert_eq!(get(&server, open).0, 200, "{open} must stay open");
    }
}

#[test]
fn unknown_routes_and_methods_get_json_errors() {
    let server = Server::start(&test_model_dir("server-ops"), &[]);
    let mut r = http_agent().get(server.url("/v2/nothing")).call().unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["error_type"], "not_found");
    let mut r = http_agent().get(server.url("/v1/recognize")).call().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["error_type"], "method_not_allowed");
}

#[test]
fn a_stalled_upload_is_cut_by_the_request_timeout() {
    let server = Server::start(&test_model_dir("server-ops"), &["--request-timeout-s", "1"]);
    let addr = server.base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    // Promise 100 kB, send 10 bytes, then stall.
    write!(s, "POST /v1/recognize HTTP/1.1\r\nhost: x\r\ncontent-type: audio/wav\r\ncontent-length: 100000\r\n\r\nRIFF\0\0\0\0WA").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""error_type":"timeout""#), "{answer}");
    assert_eq!(get(&server, "/healthz").0, 200);
}

#[test]
fn the_served_openapi_document_is_the_committed_one_and_the_demo_page_is_html() {
    let server = Server::start(&test_model_dir("server-ops"), &[]);
    let (status, served) = get(&server, "/openapi.json");
    assert_eq!(status, 200);
    let committed = std::fs::read_to_string(repo_root().join("openapi/openapi.json")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&served).unwrap(), serde_json::from_str::<Value>(&committed).unwrap());
    let mut r = http_agent().get(server.url("/")).call().unwrap();
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let page = r.body_mut().read_to_string().unwrap();
    assert!(page.contains("/v1/recognize") && page.contains(r#"type="file""#));
}
