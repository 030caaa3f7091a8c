//! The router in-process (`tower::ServiceExt::oneshot`, no socket) over the real batcher and model
//! thread, with fake models behind the `Forward` seam: segments line up with known stretches,
//! a failing model's 500 shows no internals, and the API document's error examples are what the
//! server really answers.
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use engine::metrics::Metrics;
use engine::model::Forward;
use engine::{Engine, WindowShape};
use server::config::Cli;
use server::http::{app, AppState};
use shared::frontend::WindowParams;
use shared::manifest::Manifest;
use tower::ServiceExt;

/// Calls a window "cello" when most of its frames are louder in the low mel bands, "piano" when
/// in the high ones (the predominant one, as the paper's labels): a model whose right answer is
/// known for a synthetic clip.
struct LowHigh;

impl Forward for LowHigh {
    fn forward(&self, windows: &[f32], n: usize, shape: WindowShape) -> Result<Vec<f32>, String> {
        let WindowShape { frames, mels, .. } = shape;
        let mut out = Vec::with_capacity(n * 11);
        for w in windows.chunks(frames * mels) {
            // Each frame votes for the half of the spectrum where it is louder; the majority wins.
            let band = |f: &[f32], lo: usize, hi: usize| f[lo..hi].iter().sum::<f32>() / (hi - lo) as f32;
            let low_frames = w.chunks(mels).filter(|f| band(f, 0, 32) > band(f, 64, 128)).count();
            let low_wins = 2 * low_frames > frames;
            let mut p = [0.02f32; 11];
            p[if low_wins { 0 } else { 6 }] = 0.95;
            out.extend_from_slice(&p);
        }
        Ok(out)
    }
}

/// A model that warms up (one window) and then fails every batch with a message that must stay in
/// the log.
struct Broken;

impl Forward for Broken {
    fn forward(&self, _: &[f32], n: usize, _: WindowShape) -> Result<Vec<f32>, String> {
        match n {
            1 => Ok(vec![0.5; 11]),
            _ => Err("CUDA error: an illegal memory access at 0xdeadbeef (internal detail)".into()),
        }
    }
}

/// The app over `model`, with a fixed chunk size unless `args` ask for another (the tuning has
/// its own test).
fn router(model: impl Forward, args: &[&str]) -> axum::Router {
    let fixed = ["--chunk-size", "16"];
    let fixed = if args.contains(&"--chunk-size") { &[][..] } else { &fixed[..] };
    let args = std::iter::once("server").chain(fixed.iter().copied()).chain(args.iter().copied());
    let config = Cli::try_parse_from(args).unwrap().config;
    let manifest = Manifest::new("fake", WindowParams::default(), "lrelu:0.33");
    let metrics = Metrics::new().unwrap();
    let engine = Engine::with_model(model, manifest, "cpu".into(), &config.model).unwrap();
    let recognizer = engine.recognizer(&config.model, config.queue_length, &metrics);
    app(Arc::new(AppState::new(&config, recognizer).unwrap()))
}

/// Mono 16-bit WAV at 22,050 Hz: a 110-Hz tone for `low_s` seconds, then a 3-kHz tone.
fn low_then_high(low_s: f64, total_s: f64) -> Vec<u8> {
    let rate = 22_050u32;
    let samples: Vec<f32> = (0..(total_s * rate as f64) as usize)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let f = if t < low_s { 110.0 } else { 3000.0 };
            ((2.0 * std::f64::consts::PI * f * t).sin() * 0.37) as f32
        })
        .collect();
    e2e::wav_bytes(&samples, rate)
}

async fn post(
    router: axum::Router,
    uri: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::post(uri).header("content-type", "audio/wav");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = router.oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn segments_follow_known_stretches_within_one_hop() {
    let (status, v) = post(router(LowHigh, &[]), "/v1/recognize?segments=true", low_then_high(4.0, 10.0), &[]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["labels"], serde_json::json!(["pia", "cel"]), "{v}");
    let range = |label: &str| {
        let s = v["segments"][label].as_array().unwrap_or_else(|| panic!("no {label} segments: {v}"));
        assert_eq!(s.len(), 1, "{label}: {s:?}");
        (s[0]["start_seconds"].as_f64().unwrap(), s[0]["end_seconds"].as_f64().unwrap())
    };
    let ((c0, c1), (p0, p1)) = (range("cel"), range("pia"));
    let hop = 22.0 * 512.0 / 22050.0;
    assert!(c0.abs() < 1e-3, "cello starts with the clip's first sound: {c0}");
    assert!((c1 - 4.0).abs() <= hop, "cello ends at {c1}");
    assert!((p0 - 4.0).abs() <= hop, "piano starts at {p0}");
    assert!((p1 - 10.0).abs() < 1e-6, "piano ends at {p1}, the clip at 10 s");
    assert_eq!(v["segment_params"]["median_windows"], 3);
    // Without the flag the answer has no segments.
    let (_, v) = post(router(LowHigh, &[]), "/v1/recognize", low_then_high(4.0, 10.0), &[]).await;
    assert!(v.get("segments").is_none() && v.get("segment_params").is_none(), "{v}");
}

#[tokio::test]
async fn segment_parameters_are_checked_before_the_upload() {
    let (status, v) =
        post(router(LowHigh, &[]), "/v1/recognize?segments=true&segment_median=2", vec![1, 2, 3], &[]).await;
    assert_eq!(
        (status, v["error_type"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_parameter")),
        "{v}"
    );
}

#[tokio::test]
async fn a_failing_model_answers_500_without_internals() {
    let (status, v) =
        post(router(Broken, &[]), "/v1/recognize", low_then_high(1.0, 2.0), &[("x-request-id", "req-42")]).await;
    assert_eq!(status, 500, "{v}");
    assert_eq!(v["error_type"], "internal");
    let text = v["error"].as_str().unwrap();
    assert!(text.starts_with("internal error") && text.contains("req-42"), "{text}");
    for secret in ["CUDA", "0xdeadbeef", "inference", "illegal"] {
        assert!(!text.contains(secret), "the 500 body shows {secret:?}: {text}");
    }
}

/// 5 ms a pass plus 1 ms a window up to 8 windows, 10 ms a window beyond (as a small CPU falls
/// out of its caches); it keeps the size of every pass.
struct Cliff(Arc<std::sync::Mutex<Vec<usize>>>);

impl Forward for Cliff {
    fn forward(&self, _: &[f32], n: usize, _: WindowShape) -> Result<Vec<f32>, String> {
        let per_window = if n > 8 { 10 } else { 1 };
        std::thread::sleep(std::time::Duration::from_millis(5 + per_window * n as u64));
        self.0.lock().unwrap().push(n);
        Ok(vec![0.5; n * 11])
    }
}

#[tokio::test]
async fn the_model_thread_runs_batches_in_the_chunk_size_it_timed_fastest() {
    let passes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let app = router(Cliff(passes.clone()), &["--chunk-size", "auto", "--max-batch-size", "16"]);
    let res = app.clone().oneshot(Request::get("/v1/model").body(Body::empty()).unwrap()).await.unwrap();
    let info: serde_json::Value =
        serde_json::from_slice(&axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(info["chunking"]["chunk_size"], 8, "{info}");
    assert_eq!(info["chunking"]["tuned"], true);
    let timed: Vec<u64> =
        info["chunking"]["trials"].as_array().unwrap().iter().map(|t| t["windows"].as_u64().unwrap()).collect();
    assert_eq!(timed, [4, 8, 16]);
    // A 10-s clip is 18 windows: one batch, run as the fewest passes of at most 8, evened out.
    passes.lock().unwrap().clear();
    let (status, v) = post(app.clone(), "/v1/recognize", low_then_high(5.0, 10.0), &[]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(*passes.lock().unwrap(), [6, 6, 6]);
    let res = app.oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    let text = String::from_utf8(axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap();
    assert!(text.contains("instrument_server_model_chunk_size_windows 8"), "{text}");
}

#[tokio::test]
async fn a_fixed_chunk_size_is_kept_and_reported_untimed() {
    let passes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let app = router(Cliff(passes.clone()), &["--chunk-size", "5"]);
    let res = app.clone().oneshot(Request::get("/v1/model").body(Body::empty()).unwrap()).await.unwrap();
    let info: serde_json::Value =
        serde_json::from_slice(&axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(info["chunking"], serde_json::json!({"chunk_size": 5, "tuned": false, "trials": []}));
    assert_eq!(*passes.lock().unwrap(), [1], "only the warm-up pass");
    let (status, _) = post(app, "/v1/recognize", low_then_high(5.0, 10.0), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(passes.lock().unwrap()[1..], [5, 5, 5, 3]);
}

/// Every error example of the committed API document: where a request can provoke it here,
/// the server's real answer must equal it; otherwise it must be the real error's own body.
#[tokio::test]
async fn the_documents_error_examples_are_the_real_answers() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).expect("openapi/openapi.json");
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let Some(json) = response["content"].get("application/json") else { continue };
                if json["schema"]["$ref"] != "#/components/schemas/ErrorBody" {
                    continue;
                }
                let example = &json["example"];
                let real = match (path.as_str(), status.as_str()) {
                    ("/v1/recognize", "400") => Some(post(router(LowHigh, &[]), path, vec![], &[]).await),
                    (_, "401") => {
                        let req = Request::builder().method(method.to_uppercase().as_str()).uri(path.as_str());
                        let res = router(LowHigh, &["--api-keys", "k"])
                            .oneshot(req.body(Body::empty()).unwrap())
                            .await
                            .unwrap();
                        let s = res.status();
                        let b = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
                        Some((s, serde_json::from_slice(&b).unwrap()))
                    }
                    ("/v1/recognize", "415") => {
                        Some(post(router(LowHigh, &[]), path, b"not audio at all".to_vec(), &[]).await)
                    }
                    ("/v1/recognize", "422") => {
                        Some(post(router(LowHigh, &[]), "/v1/recognize?threshold=1.5", vec![1], &[]).await)
                    }
                    _ => None,
                };
                match real {
                    Some((s, body)) => {
                        assert_eq!(s.as_str(), status, "{method} {path}: {body}");
                        assert_eq!(&body, example, "{method} {path} {status}: the example is not the real answer");
                    }
                    None => {
                        let want = server::http::error_example(status.parse().unwrap()).expect("an example error");
                        assert_eq!(&want, example, "{method} {path} {status}");
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} error examples");
}
