//! `POST /v1/recognize`: audio in, instruments out.
mod params;
mod timing;
pub mod upload;

pub use params::{AudioFile, Params, Upload};

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::Json;

use super::error::ErrorBody;
use super::AppState;
use crate::error::ServerError;
use engine::recognizer::{Options, Recognition, Resolved};
use timing::{ms, TimingHeaders};
use upload::{discard, read_body, Received};

/// Recognise the predominant instruments in an audio file.
///
/// Send the audio as the raw body (any audio Content-Type, or `application/octet-stream`) or as
/// multipart field `file`. The audio is decoded, resampled to 22,050 Hz, cut into 1-s windows
/// with a 0.5-s hop, and the windows' sigmoids are aggregated per instrument.
#[utoipa::path(
    post,
    path = "/v1/recognize",
    tag = "recognition",
    params(Params),
    request_body(
        description = "The audio file, as the body (`application/octet-stream`, or any `audio/*` type) or as multipart field `file`.",
        content(
            (AudioFile = "application/octet-stream"),
            (Upload = "multipart/form-data"),
        )
    ),
    responses(
        (status = 200, description = "The instruments, all 11 with their scores, highest first.", body = Recognition,
            headers(
                ("x-request-id" = String, description = "The request's id (yours if you sent one)"),
                ("x-decode-time" = String, description = "Milliseconds spent decoding and in the front end"),
                ("x-queue-time" = String, description = "Milliseconds the windows waited for a batch"),
                ("x-inference-time" = String, description = "Milliseconds of model time of the batch(es)"),
                ("x-total-time" = String, description = "Milliseconds from arrival to answer"),
            )),
        (status = 400, description = "Empty, truncated or malformed audio, or a malformed multipart body.", body = ErrorBody),
        (status = 401, description = "API keys are configured and none valid was sent.", body = ErrorBody),
        (status = 408, description = "The request took longer than the server's limit.", body = ErrorBody),
        (status = 413, description = "The body or the decoded duration is over the limit.", body = ErrorBody),
        (status = 415, description = "Not audio that can be decoded.", body = ErrorBody),
        (status = 422, description = "A bad query parameter.", body = ErrorBody),
        (status = 429, description = "Too many requests in progress, or too many bytes of uploads held at once; retry after `Retry-After` seconds.", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait"))),
        (status = 500, description = "A fault of the server, never of the request.", body = ErrorBody),
        (status = 503, description = "The inference queue is full, the server is shutting down (`shutting_down`), or too many connections are open (`too_many_connections`, answered before any request is read).", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait"))),
    ),
    security((), ("api_key" = []))
)]
pub async fn recognize(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Params>, QueryRejection>,
    req: Request,
) -> Result<(TimingHeaders, Json<Recognition>), ServerError> {
    let arrived = Instant::now();
    // Draining before shutdown: the requests already accepted go on, new ones go elsewhere.
    if !state.ready.load(Ordering::Relaxed) {
        discard(req, state.max_body_bytes).await;
        return Err(ServerError::ShuttingDown);
    }
    let how = match how_to_answer(&state, query) {
        Ok(how) => how,
        Err(e) => {
            // Read (not kept) so the client, still sending, reads the 422 rather than a reset.
            discard(req, state.max_body_bytes).await;
            return Err(e);
        }
    };
    // The body first, held against the upload buffer: a slow upload holds its own bytes, never
    // one of the slots that bound decoding and inference.
    let upload = read_body(req, state.max_body_bytes, &state.upload_buffer).await?;
    if upload.bytes.is_empty() {
        return Err(ServerError::EmptyBody);
    }
    // Admission: the slot is held until the answer is ready.
    let Ok(_permit) = state.permits.clone().try_acquire_owned() else {
        return Err(ServerError::Overloaded);
    };
    let Received { bytes, mime, .. } = upload;
    let (recognition, t) = state.recognizer.recognize(bytes, mime, state.max_audio_seconds, &how).await?;
    let timing = TimingHeaders { decode: t.decode, queue: t.queue, inference: t.inference, total: arrived.elapsed() };
    tracing::info!(queue_ms = ms(t.queue), inference_ms = ms(t.inference), total_ms = ms(timing.total), "recognised");
    Ok((timing, Json(recognition)))
}

/// The query's options, checked against the loaded model.
fn how_to_answer(state: &AppState, query: Result<Query<Params>, QueryRejection>) -> Result<Resolved, ServerError> {
    let Query(params) = query.map_err(|e| ServerError::bad_parameter(e.body_text()))?;
    let segments = params.segments.then(|| params.segment_params());
    let options = Options::parse(params.aggregation.as_deref(), params.threshold, params.timeline, segments)?;
    Ok(state.recognizer.resolve(&options)?)
}
