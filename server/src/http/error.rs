//! Every error leaves the server as `{"error": message, "error_type": kind}` with its status.
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::error::ServerError;

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: String,
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
        match self.retry_after() {
            Some(s) => (status, [(RETRY_AFTER, s.to_string())], body).into_response(),
            None => (status, body).into_response(),
        }
    }
}
