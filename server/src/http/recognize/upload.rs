//! Reading the upload (raw body or multipart `file`) and turning it into model windows.
use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use shared::audio::DecodeOptions;
use shared::frontend::{logmel_of, FrontEndParams, WindowParams, Windows};

use crate::error::ServerError;

/// The decoded, analysed upload.
pub struct Analysed {
    pub windows: Vec<f32>,
    pub n: usize,
    pub frames: usize,
    pub duration_seconds: f64,
    pub sample_rate: u32,
}

pub fn analyse(
    bytes: Bytes,
    mime: Option<String>,
    fe: &FrontEndParams,
    window: &WindowParams,
    max_seconds: f64,
) -> Result<Analysed, ServerError> {
    let opts = DecodeOptions { mime_type: mime, max_seconds: Some(max_seconds), ..Default::default() };
    let (d, spec) = logmel_of(Box::new(Cursor::new(bytes)), fe, &opts)?;
    let w = Windows::cut(spec.view(), window, fe.silence());
    Ok(Analysed {
        n: w.len(),
        windows: w.data.into_raw_vec_and_offset().0,
        frames: spec.dim().0,
        duration_seconds: d.duration_seconds(),
        sample_rate: d.source_sample_rate,
    })
}

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
