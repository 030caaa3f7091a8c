//! Concurrency and admission on the real server: concurrent requests are batched and all
//! answered; past the admission bound requests get 429 with Retry-After at once, and the
//! accepted ones still succeed.
use e2e::{http_agent, real_dev_dir, test_model_dir, Server};

/// Fires `n` requests at once; returns (status, Retry-After present) of each.
fn flood(url: &str, body: &[u8], n: usize) -> Vec<(u16, bool)> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    let agent = http_agent();
                    let mut r = agent.post(url).header("content-type", "audio/wav").send(body).expect("request");
                    let retry = r.headers().contains_key("retry-after");
                    let _ = r.body_mut().read_to_string();
                    (r.status().as_u16(), retry)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn fifty_concurrent_requests_all_succeed() {
    let server = Server::start(
        &test_model_dir("server-load"),
        &["--max-concurrent-requests", "64", "--max-batch-wait-ms", "20", "--max-batch-size", "64"],
    );
    let body = std::fs::read(real_dev_dir().join("phenicx_anechoic__cello.wav")).unwrap();
    let results = flood(&server.url("/v1/recognize"), &body, 50);
    assert!(results.iter().all(|&(s, _)| s == 200), "{results:?}");

    // Windows of different requests shared batches: fewer batches than requests, and more
    // windows per batch than one request has.
    let mut r = http_agent().post(server.url("/v1/recognize")).send(&body[..]).unwrap();
    let per_request = serde_json::from_str::<serde_json::Value>(&r.body_mut().read_to_string().unwrap()).unwrap()
        ["windows"]
        .as_f64()
        .unwrap();
    let batches = server.metric("instrument_server_batch_size_windows_count");
    let windows = server.metric("instrument_server_batch_size_windows_sum");
    assert_eq!(windows, 51.0 * per_request);
    assert!(batches < 51.0, "{batches} batches for 51 requests");
    assert!(windows / batches > per_request, "no batch held more than one request");
}

#[test]
fn flooding_past_the_bound_gets_429_and_accepted_requests_succeed() {
    let server = Server::start(&test_model_dir("server-load"), &["--max-concurrent-requests", "2"]);
    let body = std::fs::read(real_dev_dir().join("vocadito__vocadito_1.wav")).unwrap(); // 33 s
    let results = flood(&server.url("/v1/recognize"), &body, 24);
    let ok = results.iter().filter(|&&(s, _)| s == 200).count();
    let refused: Vec<_> = results.iter().filter(|&&(s, _)| s == 429).collect();
    assert!(ok >= 1, "{results:?}");
    assert!(!refused.is_empty(), "no 429 under a flood: {results:?}");
    assert!(refused.iter().all(|&&(_, retry)| retry), "429 without Retry-After");
    assert_eq!(ok + refused.len(), results.len(), "only 200 or 429: {results:?}");
}
