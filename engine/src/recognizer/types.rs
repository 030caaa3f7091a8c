//! What a recognition answers (the JSON of `POST /v1/recognize` and of `server recognize`).
use std::collections::BTreeMap;

use serde::Serialize;
use shared::aggregate::Aggregation;
use shared::segments::{Segment, SegmentParams};
use utoipa::ToSchema;

/// One of the 11 instruments.
#[derive(Debug, Serialize, ToSchema)]
pub struct Instrument {
    /// IRMAS code: cel, cla, flu, gac, gel, org, pia, sax, tru, vio, voi.
    #[schema(example = "pia")]
    pub label: &'static str,
    #[schema(example = "piano")]
    pub name: &'static str,
    /// The aggregated score (with S2 the top instrument scores 1.0).
    #[schema(example = 1.0)]
    pub score: f32,
    /// The threshold applied to this instrument.
    #[schema(example = 0.5)]
    pub threshold: f32,
    /// Whether `score >= threshold`.
    pub present: bool,
}

/// The sigmoids of one 1-s window.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineWindow {
    #[schema(example = 0.5)]
    pub start_seconds: f64,
    /// Sigmoid per instrument code.
    #[schema(value_type = BTreeMap<String, f32>, example = json!({"pia": 0.91, "voi": 0.12}))]
    pub scores: BTreeMap<&'static str, f32>,
}

/// The instruments recognised in an upload.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "model_id": "irmas-real-v7", "duration_seconds": 3.0, "sample_rate": 44100, "windows": 5,
    "aggregation": "s2", "threshold": 0.5,
    "instruments": [
        {"label": "pia", "name": "piano", "score": 1.0, "threshold": 0.5, "present": true},
        {"label": "voi", "name": "voice", "score": 0.62, "threshold": 0.5, "present": true},
        {"label": "gac", "name": "acoustic guitar", "score": 0.2, "threshold": 0.5, "present": false}
    ],
    "labels": ["pia", "voi"]
}))]
pub struct Recognition {
    pub model_id: String,
    /// Duration of the decoded audio.
    pub duration_seconds: f64,
    /// Sample rate of the upload (the model hears it resampled to 22,050 Hz).
    pub sample_rate: u32,
    /// 1-s windows analysed (0.5-s hop).
    pub windows: usize,
    pub aggregation: Aggregation,
    /// The global threshold, or null when per-label thresholds were applied.
    pub threshold: Option<f32>,
    /// All 11 instruments, highest score first.
    pub instruments: Vec<Instrument>,
    /// Codes of the instruments present, highest score first.
    pub labels: Vec<&'static str>,
    /// Per-window sigmoids, with `timeline=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineWindow>>,
    /// Where each present instrument plays, with `segments=true`: time ranges by instrument code
    /// (an instrument present overall may have none, when no stretch of it stands out).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, Vec<Segment>>>, example = json!({"pia": [{"start_seconds": 0.0, "end_seconds": 3.0, "score": 0.93}], "voi": [{"start_seconds": 1.0, "end_seconds": 2.5, "score": 0.71}]}))]
    pub segments: Option<BTreeMap<&'static str, Vec<Segment>>>,
    /// The smoothing the segments were made with, with `segments=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_params: Option<SegmentParams>,
}
