//! Around every request: the request-timeout, and the metrics of requests by route and status.
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::ServerError;

/// Counts the request by route (the matched path, not the raw URI, so the label set stays
/// bounded), method and status, and times it.
pub async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let method = req.method().to_string();
    let m = &state.metrics;
    let _in_flight = InFlight::enter(m.in_flight.clone());
    let started = Instant::now();
    let response = next.run(req).await;
    m.request_duration.with_label_values(&[route.as_str()]).observe(started.elapsed().as_secs_f64());
    m.requests.with_label_values(&[route.as_str(), method.as_str(), response.status().as_str()]).inc();
    response
}

/// Answers 408 when the request (upload included) is not answered within the limit; the
/// handler's future is dropped, which also drops its place in the batching queue.
pub async fn timeout(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let limit = state.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ServerError::Timeout { seconds: limit.as_secs_f64() }.into_response(),
    }
}

/// Requests to no route: a JSON 404 like every other error.
pub async fn not_found(req: Request) -> ServerError {
    ServerError::NotFound(req.uri().path().to_owned())
}

/// A known route with the wrong method: a JSON 405.
pub async fn method_not_allowed(req: Request) -> ServerError {
    ServerError::MethodNotAllowed(req.method().to_string())
}

/// Counts a request in flight until dropped, also when its future is cancelled.
struct InFlight(prometheus::IntGauge);

impl InFlight {
    fn enter(gauge: prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}
