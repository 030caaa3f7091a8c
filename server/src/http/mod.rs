//! The HTTP API: routes, middleware and the JSON error body.
mod auth;
pub mod connections;
mod demo;
mod error;
mod examples;
mod health;
mod model_info;
mod observe;
pub mod openapi;
pub mod recognize;
pub mod stream;

pub use auth::ApiKeys;
pub use examples::error_body as error_example;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{watch, Semaphore};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::error::ServerError;
use engine::metrics::Metrics;
use engine::recognizer::Recognizer;
use engine::Runtime;

/// What every handler shares.
pub struct AppState {
    /// The model's manifest and the way to its batching queue.
    pub recognizer: Recognizer,
    pub permits: Arc<Semaphore>,
    /// Bytes of request bodies that may be held at once (`--upload-buffer-mb`).
    pub upload_buffer: Arc<Semaphore>,
    pub max_body_bytes: usize,
    pub max_audio_seconds: f64,
    pub request_timeout: Duration,
    /// False once shutdown has begun (`/readyz` answers 503, new recognitions 503).
    pub ready: AtomicBool,
    /// True while the model thread runs; `/readyz` follows it.
    pub model_alive: watch::Receiver<bool>,
    /// Where the model runs (`cpu`, `cuda:0`) and its chunk size.
    pub runtime: Runtime,
    /// Browser origins allowed by CORS; empty: none.
    pub cors_origins: Vec<HeaderValue>,
    pub api_keys: ApiKeys,
    pub metrics: Metrics,
    /// Limits of live streams.
    pub streams: stream::StreamLimits,
}

impl AppState {
    /// The state of a server with these settings around a loaded model's batcher.
    pub fn new(config: &Config, recognizer: Recognizer) -> anyhow::Result<Self> {
        let (runtime, model_alive, metrics) =
            (recognizer.runtime().clone(), recognizer.alive(), recognizer.metrics().clone());
        let cors_origins = config
            .cors_origins
            .iter()
            .filter(|o| !o.is_empty())
            .map(|o| {
                HeaderValue::from_str(o).map_err(|_| anyhow::anyhow!("--cors-origins: {o:?} is not a valid origin"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            recognizer,
            permits: Arc::new(Semaphore::new(config.max_concurrent_requests)),
            upload_buffer: Arc::new(Semaphore::new(config.upload_buffer_bytes().min(Semaphore::MAX_PERMITS))),
            max_body_bytes: config.max_body_bytes,
            max_audio_seconds: config.max_audio_seconds,
            request_timeout: Duration::from_secs_f64(config.request_timeout_s),
            ready: AtomicBool::new(true),
            model_alive,
            runtime,
            cors_origins,
            api_keys: ApiKeys::new(&config.api_keys),
            metrics,
            streams: stream::StreamLimits {
                max_seconds: config.max_stream_seconds,
                idle_timeout: Duration::from_secs_f64(config.stream_idle_timeout_s),
                max_lead: Duration::from_secs_f64(config.max_stream_lead_s),
            },
        })
    }
}

/// A panic in a handler becomes a JSON 500; the process and the other requests carry on.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ServerError::Internal("the request handler panicked".into()).into_response()
}

/// The router, testable without a socket.
pub fn app(state: Arc<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.cors_origins.clone()))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION])
        .expose_headers(
            ["x-request-id", "x-decode-time", "x-queue-time", "x-inference-time", "x-total-time", "retry-after"]
                .map(HeaderName::from_static),
        );
    // The API proper, behind the keys when some are configured.
    let api = Router::new()
        .route("/v1/recognize", post(recognize::recognize))
        .route("/v1/model", get(model_info::model_info))
        .route_layer(from_fn_with_state(state.clone(), auth::require_api_key));
    // Layers run outermost last. Panics are caught innermost so the metrics count the 500; the
    // request id is set (or kept) before the trace span opens, so every log line of the request
    // carries it.
    Router::new()
        .merge(api)
        // Keys checked in the stream itself: a browser cannot send `Authorization` on a
        // WebSocket, so the key may also come in the start message.
        .route("/v1/stream", get(stream::stream))
        .route("/", get(demo::demo))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(observe::not_found)
        .method_not_allowed_fallback(observe::method_not_allowed)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state.clone(), observe::timeout))
        .layer(axum::middleware::from_fn(error::name_the_request))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(from_fn_with_state(state.clone(), observe::track))
        .layer(cors)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
