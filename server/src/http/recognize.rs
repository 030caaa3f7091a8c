//! `POST /v1/recognize`: audio in, instruments out.
use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::aggregate::{aggregate, Aggregation, Thresholds};
use shared::audio::{decode, DecodeOptions};
use shared::frontend::{peak_normalize, window_starts_seconds, FrontEndParams, LogMel, WindowParams, Windows};
use shared::labels::{LABELS, LABEL_NAMES, N_LABELS};
use tokio::sync::oneshot;

use super::AppState;
use crate::error::ServerError;
use crate::infer::Job;

#[derive(Debug, Deserialize)]
pub struct Params {
    /// `s1` or `s2` (default: the model's, normally s2).
    aggregation: Option<String>,
    /// Global threshold in [0, 1] (default: the model's calibrated thresholds).
    threshold: Option<f32>,
    /// Include the per-window sigmoids.
    #[serde(default)]
    timeline: bool,
}

#[derive(Debug, Serialize)]
pub struct Instrument {
    label: &'static str,
    name: &'static str,
    score: f32,
    threshold: f32,
    present: bool,
}

#[derive(Debug, Serialize)]
pub struct TimelineWindow {
    start_seconds: f64,
    scores: BTreeMap<&'static str, f32>,
}

#[derive(Debug, Serialize)]
pub struct Recognition {
    model_id: String,
    duration_seconds: f64,
    sample_rate: u32,
    windows: usize,
    aggregation: Aggregation,
    /// The global threshold, or null when per-label thresholds were applied.
    threshold: Option<f32>,
    instruments: Vec<Instrument>,
    labels: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<Vec<TimelineWindow>>,
}

/// The decoded, analysed upload.
struct Analysed {
    windows: Vec<f32>,
    n: usize,
    frames: usize,
    duration_seconds: f64,
    sample_rate: u32,
}

fn analyse(bytes: Bytes, mime: Option<String>, fe: &FrontEndParams, window: &WindowParams, max_seconds: f64) -> Result<Analysed, ServerError> {
    let opts = DecodeOptions { mime_type: mime, max_seconds: Some(max_seconds), ..Default::default() };
    let mut d = decode(Box::new(Cursor::new(bytes)), fe.sample_rate, &opts)?;
    peak_normalize(&mut d.samples);
    let spec = LogMel::new(fe)?.compute(&d.samples);
    let w = Windows::cut(spec.view(), window, fe.silence());
    Ok(Analysed {
        n: w.len(),
        windows: w.data.into_raw_vec_and_offset().0,
        frames: spec.dim().0,
        duration_seconds: d.duration_seconds(),
        sample_rate: d.source_sample_rate,
    })
}

/// The audio: the raw body, or the multipart field `file`.
async fn read_body(req: Request, state: &Arc<AppState>) -> Result<(Bytes, Option<String>), ServerError> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let rejection = |status: axum::http::StatusCode, text: String| {
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::BodyTooLarge { limit: state.max_body_bytes }
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

pub async fn recognize(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Params>, QueryRejection>,
    req: Request,
) -> Result<Json<Recognition>, ServerError> {
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
        (None, Some(per)) => Thresholds::PerLabel(LABELS.iter().map(|l| per.get(*l).copied().unwrap_or(m.threshold)).collect()),
        (None, None) => Thresholds::Global(m.threshold),
    };

    let (bytes, mime) = read_body(req, &state).await?;
    if bytes.is_empty() {
        return Err(ServerError::EmptyBody);
    }
    let (fe, window, max_seconds) = (m.front_end.clone(), m.window, state.max_audio_seconds);
    let a = tokio::task::spawn_blocking(move || analyse(bytes, mime, &fe, &window, max_seconds))
        .await
        .map_err(|e| ServerError::Internal(format!("analysis task: {e}")))??;

    let (reply, answer) = oneshot::channel();
    state.batcher.submit(Job { windows: a.windows, n: a.n, reply, span: tracing::Span::current() })?;
    let sigmoids = answer.await.map_err(|_| ServerError::ShuttingDown)??;
    let per_window: Vec<Vec<f32>> = sigmoids.chunks(N_LABELS).map(<[f32]>::to_vec).collect();

    let scores = aggregate(&per_window, N_LABELS, aggregation);
    let present = thresholds.apply(&scores);
    let mut instruments: Vec<Instrument> = (0..N_LABELS)
        .map(|i| Instrument { label: LABELS[i], name: LABEL_NAMES[i], score: scores[i], threshold: thresholds.for_label(i), present: present[i] })
        .collect();
    instruments.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.label.cmp(y.label)));
    let labels = instruments.iter().filter(|i| i.present).map(|i| i.label).collect();
    let timeline = params.timeline.then(|| {
        window_starts_seconds(a.frames, &m.window, m.front_end.frame_seconds())
            .into_iter()
            .zip(&per_window)
            .map(|(start, p)| TimelineWindow { start_seconds: start, scores: LABELS.iter().copied().zip(p.iter().copied()).collect() })
            .collect()
    });
    Ok(Json(Recognition {
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
    }))
}
