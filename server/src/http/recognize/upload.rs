//! Reading the upload: the raw body or the multipart field `file`, held against the server's
//! upload buffer (`--upload-buffer-mb`) while it is received and recognised.
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ServerError;

/// A received upload: the audio, its declared type, and its share of the upload buffer, given
/// back when this is dropped.
pub struct Received {
    pub bytes: Bytes,
    pub mime: Option<String>,
    pub held: Option<OwnedSemaphorePermit>,
}

/// Reads the whole body, taking its bytes from `buffer` as they arrive (429 when the buffer is
/// full, 413 past `max_body_bytes`, told by `Content-Length` before anything is read), then
/// the multipart field `file` out of it when the body is multipart.
pub async fn read_body(req: Request, max_body_bytes: usize, buffer: &Arc<Semaphore>) -> Result<Received, ServerError> {
    let (parts, mut body) = req.into_parts();
    let too_large = || ServerError::BodyTooLarge { limit: max_body_bytes };
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body_bytes as u64) {
        // Read (not kept) so the client, still sending, reads the 413 rather than a reset.
        skip(body, refusal_drain(max_body_bytes)).await;
        return Err(too_large());
    }
    let mut data = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let mut held: Option<OwnedSemaphorePermit> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ServerError::BadRequest(format!("reading the body failed: {e}")))?;
        let Ok(chunk) = frame.into_data() else { continue };
        if data.len() + chunk.len() > max_body_bytes {
            drop(data);
            skip(body, refusal_drain(max_body_bytes)).await;
            return Err(too_large());
        }
        let n = u32::try_from(chunk.len()).map_err(|_| too_large())?;
        let Ok(share) = buffer.clone().try_acquire_many_owned(n) else {
            // Read to its end (up to the limit) but not kept, so the client reads the 429
            // instead of a connection reset.
            drop(data);
            skip(body, max_body_bytes).await;
            return Err(ServerError::Overloaded);
        };
        match held.as_mut() {
            Some(h) => h.merge(share),
            None => held = Some(share),
        }
        data.extend_from_slice(&chunk);
    }
    let bytes = Bytes::from(data);
    let content_type = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if content_type.as_deref().is_some_and(|c| c.starts_with("multipart/form-data")) {
        let (bytes, mime) = multipart_file(Request::from_parts(parts, Body::from(bytes)), max_body_bytes).await?;
        return Ok(Received { bytes, mime, held });
    }
    let mime = content_type.filter(|c| !c.starts_with("application/octet-stream"));
    Ok(Received { bytes, mime, held })
}

/// Reads a body that will not be used to its end (up to `limit` bytes) so the client can read
/// the refusal instead of a connection reset.
pub async fn discard(req: Request, limit: usize) {
    skip(req.into_body(), limit).await;
}

/// How much of a refused body is read before the connection is cut: the body limit, and at
/// least 16 MiB, so a client sending a little too much reads its 413 and one sending gigabytes
/// is not waited on for all of them.
fn refusal_drain(max_body_bytes: usize) -> usize {
    max_body_bytes.max(16 << 20)
}

/// Reads a body's frames without keeping them, until its end, an error or `limit` bytes.
async fn skip(mut body: Body, limit: usize) {
    let mut seen = 0;
    while let Some(Ok(frame)) = body.frame().await {
        seen += frame.data_ref().map_or(0, Bytes::len);
        if seen > limit {
            return;
        }
    }
}

/// The field `file` of a multipart body already in memory.
async fn multipart_file(req: Request, max_body_bytes: usize) -> Result<(Bytes, Option<String>), ServerError> {
    let rejection = |status: StatusCode, text: String| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::BodyTooLarge { limit: max_body_bytes }
        } else {
            ServerError::BadRequest(text)
        }
    };
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| rejection(e.status(), e.body_text()))?;
    while let Some(field) = form.next_field().await.map_err(|e| rejection(e.status(), e.body_text()))? {
        if field.name() == Some("file") {
            let mime = field.content_type().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| rejection(e.status(), e.body_text()))?;
            return Ok((bytes, mime));
        }
    }
    Err(ServerError::BadRequest("multipart body has no field named `file`".into()))
}

/// The analysis of an upload (re-exported for the fuzz targets).
pub use engine::recognizer::analyse;
