//! Any body as a `multipart/form-data` upload through the server's own upload path: the
//! multipart parser (axum / multer) reading the field `file` under the body limit, then the
//! decoder and front end. Errors are fine; a panic, a hang or unbounded memory is a finding.
#![no_main]
use axum::body::Body;
use axum::extract::Request;
use libfuzzer_sys::fuzz_target;
use server::http::recognize::upload::{analyse, read_body};
use shared::frontend::{FrontEndParams, WindowParams};

/// The boundary the seeds are written with (scripts/fuzz.sh).
const BOUNDARY: &str = "fuzzboundary";

fuzz_target!(|data: &[u8]| {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else { return };
    let request = Request::builder()
        .method("POST")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(data.to_vec()));
    let Ok(request) = request else { return };
    let buffer = std::sync::Arc::new(tokio::sync::Semaphore::new(8 * 1024 * 1024));
    if let Ok(upload) = runtime.block_on(read_body(request, 4 * 1024 * 1024, &buffer)) {
        let _ = analyse(upload.bytes, upload.mime, &FrontEndParams::default(), &WindowParams::default(), 30.0, -60.0);
    }
});
