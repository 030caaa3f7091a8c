//! The HTTP API: routes, handlers and the JSON error body.
mod error;
mod health;
mod recognize;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use shared::manifest::Manifest;
use tokio::sync::Semaphore;

use crate::infer::Batcher;

/// What every handler shares.
pub struct AppState {
    pub manifest: Manifest,
    pub batcher: Batcher,
    pub permits: Arc<Semaphore>,
    pub max_body_bytes: usize,
    pub max_audio_seconds: f64,
    pub ready: AtomicBool,
}

/// The router, testable without a socket.
pub fn app(state: Arc<AppState>) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .route("/v1/recognize", post(recognize::recognize))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}
