//! Liveness and readiness.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;

/// The process is alive.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The model is loaded and warmed up, and the server is not shutting down.
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    if state.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}
