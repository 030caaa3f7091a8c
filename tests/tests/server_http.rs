//! Cross-cutting HTTP behaviour of the real server: request ids, the model endpoint, CORS.
use e2e::{http_agent, test_model_dir, Server};
use serde_json::Value;

#[test]
fn request_ids_are_kept_or_made() {
    let server = Server::start(&test_model_dir("server-http"), &[]);
    let r = http_agent().get(server.url("/healthz")).header("x-request-id", "client-id-42").call().unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "client-id-42");
    let r = http_agent().get(server.url("/healthz")).call().unwrap();
    let made = r.headers().get("x-request-id").expect("a request id is made").to_str().unwrap().to_string();
    assert_eq!(made.len(), 36, "a UUID: {made}");
    // Errors carry it too.
    let r = http_agent().post(server.url("/v1/recognize")).header("x-request-id", "err-7").send(&b""[..]).unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.headers().get("x-request-id").unwrap(), "err-7");
}

#[test]
fn model_endpoint_shows_the_manifest_and_device() {
    let server = Server::start(&test_model_dir("server-http"), &[]);
    let mut r = http_agent().get(server.url("/v1/model")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["model_id"], "untrained-test");
    assert_eq!(v["device"], if tch::Cuda::is_available() { "cuda:0" } else { "cpu" });
    assert_eq!(v["labels"].as_array().unwrap().len(), 11);
    assert_eq!(v["window"]["frames"], 43);
}

#[test]
fn cors_allows_only_the_listed_origins() {
    let server = Server::start(
        &test_model_dir("server-http"),
        &["--cors-origins", "https://app.example.com,https://other.example.com"],
    );
    let preflight = |origin: &str| {
        let r = http_agent()
            .options(server.url("/v1/recognize"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .call()
            .unwrap();
        r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(preflight("https://app.example.com").as_deref(), Some("https://app.example.com"));
    assert_eq!(preflight("https://evil.example.net"), None, "a disallowed origin gets no CORS headers");
    let r = http_agent().get(server.url("/healthz")).header("origin", "https://evil.example.net").call().unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
