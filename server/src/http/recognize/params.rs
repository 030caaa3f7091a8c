//! The query and the documented request bodies of `POST /v1/recognize`.
use serde::Deserialize;
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
    /// Also return where each present instrument plays, as time ranges (`segments`).
    #[serde(default)]
    #[param(example = true)]
    pub segments: bool,
    /// Segments: smoothed window sigmoid at which a range starts. Default 0.5.
    #[param(minimum = 0.0, maximum = 1.0, example = 0.5)]
    pub segment_on: Option<f32>,
    /// Segments: smoothed window sigmoid below which a range ends (≤ `segment_on`). Default 0.3.
    #[param(minimum = 0.0, maximum = 1.0, example = 0.3)]
    pub segment_off: Option<f32>,
    /// Segments: width in windows of the running median over the sigmoids (odd). Default 3.
    #[param(minimum = 1, maximum = 99, example = 3)]
    pub segment_median: Option<usize>,
    /// Segments: shortest range kept, in seconds. Default 1.0.
    #[param(minimum = 0.0, example = 1.0)]
    pub segment_min_seconds: Option<f64>,
    /// Segments: ranges separated by at most this many seconds are merged. Default 1.0.
    #[param(minimum = 0.0, example = 1.0)]
    pub segment_gap_seconds: Option<f64>,
}

impl Params {
    /// The segment smoothing asked for: the defaults, overridden by the `segment_*` parameters.
    pub fn segment_params(&self) -> shared::segments::SegmentParams {
        let d = shared::segments::SegmentParams::default();
        shared::segments::SegmentParams {
            median_windows: self.segment_median.unwrap_or(d.median_windows),
            on: self.segment_on.unwrap_or(d.on),
            off: self.segment_off.unwrap_or(d.off),
            min_seconds: self.segment_min_seconds.unwrap_or(d.min_seconds),
            max_gap_seconds: self.segment_gap_seconds.unwrap_or(d.max_gap_seconds),
        }
    }
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
