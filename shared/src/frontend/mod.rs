//! The log-mel front end of the paper (III-A), pinned to librosa's conventions.
//!
//! signal (22,050 Hz mono) → peak normalisation → centred STFT (Hann, n_fft 1024, hop 512)
//! → magnitude → 128 Slaney mel bands (0 to 11,025 Hz) → ln(mel + ε) → 1-s windows, each with
//! its level before normalisation ([`LevelMeter`]), which says whether it is audible.
mod level;
mod logmel;
mod mel;
mod normalize;
mod params;
mod stream;
mod strip;
mod trim;
mod windows;

pub use level::{is_audible, window_levels, LevelMeter, DEFAULT_AUDIBLE_FLOOR_DBFS, SILENCE_DBFS};
pub use logmel::LogMel;
pub use mel::{hz_to_mel, mel_filterbank, mel_to_hz, MelFilter};
pub use normalize::peak_normalize;
pub use params::{FrontEndParams, WindowParams};
pub use stream::{peak_of_file, windows_of_file, Emit, WindowStream};
pub use strip::{Strip, STRIP_MIN_WINDOWS};
pub use trim::{audible_span, SpanFinder};
pub use windows::{window_count, window_starts_seconds, Windows};

use std::path::Path;

use crate::audio::{decode, decode_file, DecodeOptions, Decoded};
use crate::Result;
use ndarray::Array2;
use symphonia::core::io::MediaSource;

/// Decodes `source` and computes its log-mel spectrogram (frames × mel bands); the decoded
/// signal comes back peak-normalised, as the spectrogram saw it.
pub fn logmel_of(
    source: Box<dyn MediaSource>,
    params: &FrontEndParams,
    opts: &DecodeOptions,
) -> Result<(Decoded, Array2<f32>)> {
    analyse(decode(source, params.sample_rate, opts)?, params)
}

/// [`logmel_of`] a file (its extension is a format hint when `opts` gives none).
pub fn logmel_of_file(path: &Path, params: &FrontEndParams, opts: &DecodeOptions) -> Result<(Decoded, Array2<f32>)> {
    analyse(decode_file(path, params.sample_rate, opts)?, params)
}

/// The log-mel spectrogram of a signal already decoded (a live stream's, say): the same
/// normalisation and front end as [`logmel_of`].
pub fn logmel_of_signal(decoded: Decoded, params: &FrontEndParams) -> Result<(Decoded, Array2<f32>)> {
    analyse(decoded, params)
}

/// What the model hears of a decoded recording, as the server analyses it.
#[derive(Debug, Clone)]
pub struct Heard {
    /// The audible span of the signal, peak-normalised (the source facts are the whole
    /// recording's).
    pub decoded: Decoded,
    /// Log-mel of the audible span (frames × mels).
    pub spec: Array2<f32>,
    /// The level of each window of `spec` before normalisation, in dBFS.
    pub levels: Vec<f32>,
    /// Seconds of the recording before its audible span: where the first window starts.
    pub offset_seconds: f64,
}

/// The server's front end: the signal cut to its audible span ([`audible_span`]: silence or
/// hiss at the edges moves no window), each window's level measured, then peak normalisation
/// and the log-mel. A recording with no audible sample is analysed whole, and every window of
/// it is below `floor_dbfs`.
pub fn hear(mut decoded: Decoded, params: &FrontEndParams, window: WindowParams, floor_dbfs: f32) -> Result<Heard> {
    let offset = match audible_span(&decoded.samples, floor_dbfs) {
        Some(span) => {
            decoded.samples.truncate(span.end);
            decoded.samples.drain(..span.start);
            span.start
        }
        None => 0,
    };
    let mut meter = LevelMeter::new(params, window);
    meter.push(&decoded.samples);
    let (decoded, spec) = analyse(decoded, params)?;
    let levels = (0..window_count(spec.dim().0, &window)).map(|i| meter.window_dbfs(i)).collect();
    Ok(Heard { decoded, spec, levels, offset_seconds: offset as f64 / f64::from(params.sample_rate) })
}

fn analyse(mut decoded: Decoded, params: &FrontEndParams) -> Result<(Decoded, Array2<f32>)> {
    peak_normalize(&mut decoded.samples);
    let spec = LogMel::new(params)?.compute(&decoded.samples);
    Ok((decoded, spec))
}
