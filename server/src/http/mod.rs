//! The HTTP API: routes, handlers and the JSON error body.
mod error;
mod health;
mod model_info;
mod recognize;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use shared::manifest::Manifest;
use tokio::sync::Semaphore;

use crate::error::ServerError;
use crate::infer::Batcher;

/// What every handler shares.
pub struct AppState {
    pub manifest: Manifest,
    pub batcher: Batcher,
    pub permits: Arc<Semaphore>,
    pub max_body_bytes: usize,
    pub max_audio_seconds: f64,
    pub ready: AtomicBool,
    /// Where the model runs (`cpu`, `cuda:0`).
    pub device: String,
    /// Browser origins allowed by CORS; empty: none.
    pub cors_origins: Vec<HeaderValue>,
}

/// A panic in a handler becomes a JSON 500; the process and the other requests carry on.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ServerError::Internal("the request handler panicked".into()).into_response()
}

/// The router, testable without a socket.
pub fn app(state: Arc<AppState>) -> Router {
    let limit = state.max_body_bytes;
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.cors_origins.clone()))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION]);
    // Layers run outermost last: panics are caught around everything; the request id is set
    // (or kept) before the trace span opens, so every log line of the request carries it.
    Router::new()
        .route("/v1/recognize", post(recognize::recognize))
        .route("/v1/model", get(model_info::model_info))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(DefaultBodyLimit::max(limit))
        .layer(cors)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}
