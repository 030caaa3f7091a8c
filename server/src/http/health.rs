//! Liveness, readiness and metrics: always open, never behind API keys.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::AppState;

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive.", body = String, content_type = "text/plain", example = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The model is loaded and warmed up, its thread runs, and the server is not shutting down. The
/// port opens only once the model is warm, so before that a probe meets a closed port; after
/// SIGTERM, or once the model thread has died, this answers 503 while in-flight requests finish.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready for requests.", body = String, content_type = "text/plain", example = "ready"),
        (status = 503, description = "Shutting down, or the model thread has stopped: send no new requests.", body = String, content_type = "text/plain", example = "not ready"),
    ))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    if state.ready.load(Ordering::Relaxed) && *state.model_alive.borrow() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Every metric of the server.", body = String,
        content_type = "text/plain; version=0.0.4",
        example = "# TYPE instrument_server_queue_depth gauge\ninstrument_server_queue_depth 0\n")))]
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
