//! Every error leaves the server as `{"error": message, "error_type": code}` with its status.
//! A fault of ours (500) is logged in full and answered as "internal error" with the request id
//! ([`name_the_request`]): libtorch's messages and our internals stay in the log.
use axum::extract::Request;
use axum::http::header::{CONNECTION, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::{ErrorCode, ServerError};
use shared::invariant::ok;

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": "truncated audio stream: end of stream in the WAV data chunk", "error_type": "truncated"}))]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub error: String,
    /// What went wrong, for programs: a stable code (the table in the README).
    pub error_type: ErrorCode,
}

impl ErrorBody {
    /// The body a client gets for `e` (before [`name_the_request`] adds the request id to a 500).
    pub fn of(e: &ServerError) -> Self {
        let code = e.code();
        let error = if code == ErrorCode::Internal { INTERNAL.to_string() } else { e.to_string() };
        Self { error, error_type: code }
    }
}

const INTERNAL: &str = "internal error";

/// Marks a response as a fault of ours, for [`name_the_request`].
#[derive(Clone, Copy)]
struct Internal;

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // Inside the request's span: the log line carries the request id the client sees.
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, status = status.as_u16(), "request refused");
        }
        let body = ErrorBody::of(&self);
        let internal = body.error_type == ErrorCode::Internal;
        let mut response = (status, Json(body)).into_response();
        if internal {
            response.extensions_mut().insert(Internal);
        }
        let headers = response.headers_mut();
        if let Some(s) = self.retry_after() {
            headers.insert(RETRY_AFTER, s.into());
        }
        if self.leaves_body_unread() {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        if matches!(self, ServerError::Unauthorized) {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// What a client reads of a fault of ours: no detail, the request's id.
pub fn internal_message(request_id: &str) -> String {
    format!("{INTERNAL} (request id {request_id}; the details are in the server's log)")
}

/// Middleware: a 500 of ours says which request it was, so an operator finds the log lines of
/// the detail by the id the client quotes.
pub async fn name_the_request(req: Request, next: Next) -> Response {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let mut response = next.run(req).await;
    if response.extensions().get::<Internal>().is_some() {
        let body = ErrorBody { error: internal_message(&id), error_type: ErrorCode::Internal };
        *response.body_mut() = axum::body::Body::from(ok(serde_json::to_vec(&body), "serialising an error body"));
        response.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    }
    response
}
