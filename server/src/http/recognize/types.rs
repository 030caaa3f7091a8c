//! The query, the answer and the documented request bodies of `POST /v1/recognize`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::aggregate::Aggregation;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    /// How window outputs are combined: `s2` (class-wise sum normalised by the maximum, the
    /// paper's best) or `s1` (class-wise mean). Default: the model's, normally `s2`.
    #[param(value_type = Option<Aggregation>, example = "s2")]
    pub aggregation: Option<String>,
    /// One threshold in [0, 1] for every instrument. Default: the model's calibrated thresholds.
    #[param(minimum = 0.0, maximum = 1.0, example = 0.5)]
    pub threshold: Option<f32>,
    /// Also return every window's sigmoids with its start time.
    #[serde(default)]
    #[param(example = false)]
    pub timeline: bool,
}

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
    "model_id": "irmas-real-v2", "duration_seconds": 3.0, "sample_rate": 44100, "windows": 5,
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
}

/// The bytes of an audio file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documents the body; the handler reads it as bytes
pub struct AudioFile(pub Vec<u8>);

/// The multipart form: the audio file in field `file`.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form; the handler reads it field by field
pub struct Upload {
    /// The audio file (WAV, FLAC, MP3, Ogg Vorbis, AAC/M4A…).
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}
