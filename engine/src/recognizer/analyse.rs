//! Audio bytes to model windows: decode, resample, normalise, log-mel, cut.
use std::io::Cursor;

use bytes::Bytes;
use shared::audio::{decode, DecodeOptions, Decoded};
use shared::frontend::{logmel_of_signal, FrontEndParams, WindowParams, Windows};

/// The decoded, analysed audio.
pub struct Analysed {
    /// `n × frames × mels` log-mel windows, flattened.
    pub windows: Vec<f32>,
    pub n: usize,
    /// Spectrogram frames of the whole clip.
    pub frames: usize,
    pub duration_seconds: f64,
    pub sample_rate: u32,
}

/// Decodes `bytes` (`mime` a format hint) up to `max_seconds` and cuts its log-mel into windows.
pub fn analyse(
    bytes: Bytes,
    mime: Option<String>,
    fe: &FrontEndParams,
    window: &WindowParams,
    max_seconds: f64,
) -> Result<Analysed, shared::Error> {
    let opts = DecodeOptions { mime_type: mime, max_seconds: Some(max_seconds), ..Default::default() };
    analyse_signal(decode(Box::new(Cursor::new(bytes)), fe.sample_rate, &opts)?, fe, window)
}

/// The windows of a signal already decoded (an upload's, or a live stream's whole signal):
/// peak normalisation, log-mel, cut.
pub fn analyse_signal(decoded: Decoded, fe: &FrontEndParams, window: &WindowParams) -> Result<Analysed, shared::Error> {
    let (d, spec) = logmel_of_signal(decoded, fe)?;
    let w = Windows::cut(spec.view(), window, fe.silence());
    Ok(Analysed {
        n: w.len(),
        windows: w.data.into_raw_vec_and_offset().0,
        frames: spec.dim().0,
        duration_seconds: d.duration_seconds(),
        sample_rate: d.source_sample_rate,
    })
}
