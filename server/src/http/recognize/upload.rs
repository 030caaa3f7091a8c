//! Reading the upload: the raw body or the multipart field `file`.
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;

use crate::error::ServerError;

/// The audio: the raw body, or the multipart field `file`. Larger than `max_body_bytes` (the
/// limit the router's `DefaultBodyLimit` enforces) is reported as 413 with that limit.
pub async fn read_body(req: Request, max_body_bytes: usize) -> Result<(Bytes, Option<String>), ServerError> {
    let state = &();
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let rejection = |status: axum::http::StatusCode, text: String| {
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::BodyTooLarge { limit: max_body_bytes }
        } else {
            ServerError::BadRequest(text)
        }
    };
    if content_type.as_deref().is_some_and(|c| c.starts_with("multipart/form-data")) {
        let mut form = Multipart::from_request(req, state).await.map_err(|e| rejection(e.status(), e.body_text()))?;
        while let Some(field) = form.next_field().await.map_err(|e| rejection(e.status(), e.body_text()))? {
            if field.name() == Some("file") {
                let mime = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(|e| rejection(e.status(), e.body_text()))?;
                return Ok((bytes, mime));
            }
        }
        return Err(ServerError::BadRequest("multipart body has no field named `file`".into()));
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|e| rejection(e.status(), e.body_text()))?;
    let mime = content_type.filter(|c| !c.starts_with("application/octet-stream"));
    Ok((bytes, mime))
}

/// The analysis of an upload (re-exported for the fuzz targets).
pub use crate::recognizer::analyse;
