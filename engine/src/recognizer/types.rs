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
    /// The model's own evidence: the mean of this instrument's highest quarter of window
    /// sigmoids over the audible windows (S2 scores the top instrument 1.0 however weak it is).
    #[schema(example = 0.93)]
    pub evidence: f32,
    /// Whether `score >= threshold` and `evidence >= evidence_floor`.
    pub present: bool,
}

/// The sigmoids of one 1-s window.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineWindow {
    #[schema(example = 0.5)]
    pub start_seconds: f64,
    /// The window's RMS level before normalisation, in dBFS (−200 for digital silence).
    #[schema(example = -23.5)]
    pub level_dbfs: f32,
    /// True when the level is below the audible floor: the window was not scored and takes no
    /// part in the answer (`scores` is empty).
    pub silent: bool,
    /// Sigmoid per instrument code (empty for a silent window).
    #[schema(value_type = BTreeMap<String, f32>, example = json!({"pia": 0.91, "voi": 0.12}))]
    pub scores: BTreeMap<&'static str, f32>,
}

/// The instruments recognised in an upload.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "model_id": "irmas-real-v8", "duration_seconds": 3.0, "sample_rate": 44100, "windows": 5,
    "audible_windows": 5, "audible_seconds": 3.0, "audible_floor_dbfs": -60.0,
    "aggregation": "s2", "threshold": 0.5, "evidence_floor": 0.0,
    "instruments": [
        {"label": "pia", "name": "piano", "score": 1.0, "threshold": 0.5, "evidence": 0.97, "present": true},
        {"label": "voi", "name": "voice", "score": 0.62, "threshold": 0.5, "evidence": 0.81, "present": true},
        {"label": "gac", "name": "acoustic guitar", "score": 0.2, "threshold": 0.5, "evidence": 0.3, "present": false}
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
    /// Windows at or above the audible floor: the only ones scored and aggregated. 0 means
    /// nothing in the recording was loud enough to hear, and `labels` is empty.
    pub audible_windows: usize,
    /// Seconds of the recording covered by audible windows.
    #[schema(example = 3.0)]
    pub audible_seconds: f64,
    /// The RMS level in dBFS below which a window counts as silent (`--audible-floor-dbfs`).
    #[schema(example = -60.0)]
    pub audible_floor_dbfs: f32,
    pub aggregation: Aggregation,
    /// The global threshold, or null when per-label thresholds were applied.
    pub threshold: Option<f32>,
    /// The evidence an instrument needs besides its score (the model's `evidence_floor`; 0
    /// when its manifest sets none).
    #[schema(example = 0.0)]
    pub evidence_floor: f32,
    /// All 11 instruments, highest score first.
    pub instruments: Vec<Instrument>,
    /// Codes of the instruments present, highest score first; empty when none of the 11 is
    /// heard (silence, noise, drums alone…).
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
