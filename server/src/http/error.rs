//! Every error leaves the server as `{"error": message, "error_type": kind}` with its status.
use axum::http::header::{CONNECTION, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::ServerError;

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": "the audio is truncated: end of stream in the WAV data chunk", "error_type": "truncated"}))]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub error: String,
    /// A stable name of the error, for programs (see the table in the README).
    pub error_type: &'static str,
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, status = status.as_u16(), "request refused");
        }
        let body = Json(ErrorBody { error: self.to_string(), error_type: self.error_type() });
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        if let Some(s) = self.retry_after() {
            headers.insert(RETRY_AFTER, s.into());
        }
        if self.leaves_body_unread() {
            headers.insert(CONNECTION, axum::http::HeaderValue::from_static("close"));
        }
        if matches!(self, ServerError::Unauthorized) {
            headers.insert(WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}
