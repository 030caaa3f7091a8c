//! Audio bytes to model windows: decode, resample, cut to the audible span, measure each
//! window's level, normalise, log-mel, cut.
use std::io::Cursor;

use bytes::Bytes;
use shared::audio::{decode, DecodeOptions, Decoded};
use shared::frontend::{hear, FrontEndParams, WindowParams, Windows};

use super::Clip;

/// The decoded, analysed audio.
pub struct Analysed {
    /// `n × frames × mels` log-mel windows, flattened.
    pub windows: Vec<f32>,
    pub n: usize,
    /// Each window's RMS level in dBFS before normalisation.
    pub levels: Vec<f32>,
    /// Spectrogram frames of the audible span.
    pub frames: usize,
    /// Seconds before the audible span, where the first window starts.
    pub offset_seconds: f64,
    /// Seconds of the audible span.
    pub span_seconds: f64,
    pub duration_seconds: f64,
    pub sample_rate: u32,
}

impl Analysed {
    /// What the answer says of the audio itself.
    pub fn clip(&self) -> Clip {
        Clip {
            duration_seconds: self.duration_seconds,
            sample_rate: self.sample_rate,
            frames: self.frames,
            offset_seconds: self.offset_seconds,
            end_seconds: self.offset_seconds + self.span_seconds,
        }
    }
}

/// Decodes `bytes` (`mime` a format hint) up to `max_seconds` and cuts its log-mel into windows.
pub fn analyse(
    bytes: Bytes,
    mime: Option<String>,
    fe: &FrontEndParams,
    window: &WindowParams,
    max_seconds: f64,
    floor_dbfs: f32,
) -> Result<Analysed, shared::Error> {
    let opts = DecodeOptions { mime_type: mime, max_seconds: Some(max_seconds), ..Default::default() };
    analyse_signal(decode(Box::new(Cursor::new(bytes)), fe.sample_rate, &opts)?, fe, window, floor_dbfs)
}

/// The windows of a signal already decoded (an upload's, or a live stream's whole signal):
/// [`hear`], then cut.
pub fn analyse_signal(
    decoded: Decoded,
    fe: &FrontEndParams,
    window: &WindowParams,
    floor_dbfs: f32,
) -> Result<Analysed, shared::Error> {
    let heard = hear(decoded, fe, *window, floor_dbfs)?;
    let w = Windows::cut(heard.spec.view(), window, fe.silence());
    Ok(Analysed {
        n: w.len(),
        windows: w.data.into_raw_vec_and_offset().0,
        levels: heard.levels,
        frames: heard.spec.dim().0,
        offset_seconds: heard.offset_seconds,
        span_seconds: heard.decoded.samples.len() as f64 / f64::from(fe.sample_rate),
        duration_seconds: heard.decoded.duration_seconds(),
        sample_rate: heard.decoded.source_sample_rate,
    })
}
