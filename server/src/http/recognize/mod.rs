//! `POST /v1/recognize`: audio in, instruments out.
mod timing;
mod types;
pub mod upload;

pub use types::{AudioFile, Instrument, Params, Recognition, TimelineWindow, Upload};

use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::Json;
use shared::aggregate::{aggregate, Aggregation, Thresholds};
use shared::frontend::window_starts_seconds;
use shared::labels::{LABELS, LABEL_NAMES, N_LABELS};
use tokio::sync::oneshot;

use super::error::ErrorBody;
use super::AppState;
use crate::error::ServerError;
use crate::infer::Job;
use timing::{ms, TimingHeaders};
use upload::{analyse, read_body};

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
        (status = 400, description = "Empty, truncated or malformed audio, or a malformed multipart body.", body = ErrorBody,
            example = json!({"error": "the audio is truncated: unexpected end of file", "error_type": "truncated"})),
        (status = 401, description = "API keys are configured and none valid was sent.", body = ErrorBody,
            example = json!({"error": "missing or unknown API key: send `Authorization: Bearer <key>`", "error_type": "unauthorized"})),
        (status = 408, description = "The request took longer than the server's limit.", body = ErrorBody,
            example = json!({"error": "the request took longer than the limit of 60 s", "error_type": "timeout"})),
        (status = 413, description = "The body or the decoded duration is over the limit.", body = ErrorBody,
            example = json!({"error": "the audio is longer than the limit of 600 s", "error_type": "too_long"})),
        (status = 415, description = "Not audio that can be decoded.", body = ErrorBody,
            example = json!({"error": "not a known audio format: no container or codec recognised", "error_type": "unknown_format"})),
        (status = 422, description = "A bad query parameter.", body = ErrorBody,
            example = json!({"error": "threshold must be within [0, 1], got 1.5", "error_type": "invalid_parameter"})),
        (status = 429, description = "Too many requests in progress; retry after `Retry-After` seconds.", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait")),
            example = json!({"error": "too many requests in progress; retry shortly", "error_type": "overloaded"})),
        (status = 500, description = "A fault of the server, never of the request.", body = ErrorBody,
            example = json!({"error": "internal error: the request handler panicked", "error_type": "internal"})),
        (status = 503, description = "The inference queue is full or the server is shutting down.", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait")),
            example = json!({"error": "the inference queue is full; retry shortly", "error_type": "queue_full"})),
    ),
    security((), ("api_key" = []))
)]
pub async fn recognize(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Params>, QueryRejection>,
    req: Request,
) -> Result<(TimingHeaders, Json<Recognition>), ServerError> {
    let arrived = Instant::now();
    // Admission first: the permit is held until the answer is ready. A refused upload is still
    // read (up to the body limit) so the client can read the 429 instead of a broken pipe.
    let Ok(_permit) = state.permits.clone().try_acquire_owned() else {
        let _ = axum::body::to_bytes(req.into_body(), state.max_body_bytes).await;
        return Err(ServerError::Overloaded);
    };
    let Query(params) = query.map_err(|e| ServerError::BadParameter(e.body_text()))?;
    let m = &state.manifest;
    let aggregation = match params.aggregation.as_deref() {
        Some(a) => a.parse::<Aggregation>().map_err(ServerError::BadParameter)?,
        None => m.aggregation,
    };
    let thresholds = match (params.threshold, &m.label_thresholds) {
        (Some(t), _) if !(0.0..=1.0).contains(&t) => {
            return Err(ServerError::BadParameter(format!("threshold must be within [0, 1], got {t}")))
        }
        (Some(t), _) => Thresholds::Global(t),
        (None, Some(per)) => {
            Thresholds::PerLabel(LABELS.iter().map(|l| per.get(*l).copied().unwrap_or(m.threshold)).collect())
        }
        (None, None) => Thresholds::Global(m.threshold),
    };

    let (bytes, mime) = read_body(req, state.max_body_bytes).await?;
    if bytes.is_empty() {
        return Err(ServerError::EmptyBody);
    }
    let decode_started = Instant::now();
    let (fe, window, max_seconds) = (m.front_end.clone(), m.window, state.max_audio_seconds);
    let analysed = tokio::task::spawn_blocking(move || analyse(bytes, mime, &fe, &window, max_seconds))
        .await
        .map_err(|e| ServerError::Internal(format!("analysis task: {e}")))?;
    let a = analysed.inspect_err(|e| {
        if let ServerError::Audio(audio) = e {
            state.metrics.decode_failures.with_label_values(&[audio.kind()]).inc();
        }
    })?;
    let decode_time = decode_started.elapsed();
    tracing::info!(duration_s = a.duration_seconds, windows = a.n, decode_ms = ms(decode_time), "audio analysed");

    let (reply, answer) = oneshot::channel();
    state.batcher.submit(Job { windows: a.windows, n: a.n, reply, span: tracing::Span::current() })?;
    let scored = answer.await.map_err(|_| ServerError::ShuttingDown)??;
    state.metrics.audio_seconds.inc_by(a.duration_seconds);
    tracing::info!(
        queue_ms = ms(scored.queue_time),
        inference_ms = ms(scored.inference_time),
        total_ms = ms(arrived.elapsed()),
        "recognised"
    );
    let timing = TimingHeaders {
        decode: decode_time,
        queue: scored.queue_time,
        inference: scored.inference_time,
        total: arrived.elapsed(),
    };
    let sigmoids = scored.sigmoids;
    let per_window: Vec<Vec<f32>> = sigmoids.chunks(N_LABELS).map(<[f32]>::to_vec).collect();

    let scores = aggregate(&per_window, N_LABELS, aggregation);
    let present = thresholds.apply(&scores);
    let mut instruments: Vec<Instrument> = LABELS
        .iter()
        .zip(LABEL_NAMES)
        .zip(scores.iter().zip(&present))
        .enumerate()
        .map(|(i, ((&label, name), (&score, &present)))| Instrument {
            label,
            name,
            score,
            threshold: thresholds.for_label(i),
            present,
        })
        .collect();
    instruments.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.label.cmp(y.label)));
    let labels = instruments.iter().filter(|i| i.present).map(|i| i.label).collect();
    let timeline = params.timeline.then(|| {
        window_starts_seconds(a.frames, &m.window, m.front_end.frame_seconds())
            .into_iter()
            .zip(&per_window)
            .map(|(start, p)| TimelineWindow {
                start_seconds: start,
                scores: LABELS.iter().copied().zip(p.iter().copied()).collect(),
            })
            .collect()
    });
    Ok((
        timing,
        Json(Recognition {
            model_id: m.model_id.clone(),
            duration_seconds: a.duration_seconds,
            sample_rate: a.sample_rate,
            windows: a.n,
            aggregation,
            threshold: match thresholds {
                Thresholds::Global(t) => Some(t),
                Thresholds::PerLabel(_) => None,
            },
            instruments,
            labels,
            timeline,
        }),
    ))
}
