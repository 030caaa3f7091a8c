//! The log-mel front end of the paper (III-A), pinned to librosa's conventions.
//!
//! signal (22,050 Hz mono) → peak normalisation → centred STFT (Hann, n_fft 1024, hop 512)
//! → magnitude → 128 Slaney mel bands (0 to 11,025 Hz) → ln(mel + ε) → 1-s windows.
mod logmel;
mod mel;
mod normalize;
mod params;
mod stream;
mod strip;
mod windows;

pub use logmel::LogMel;
pub use mel::{hz_to_mel, mel_filterbank, mel_to_hz, MelFilter};
pub use normalize::peak_normalize;
pub use params::{FrontEndParams, WindowParams};
pub use stream::{peak_of_file, windows_of_file, WindowStream};
pub use strip::{Strip, STRIP_MIN_WINDOWS};
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

fn analyse(mut decoded: Decoded, params: &FrontEndParams) -> Result<(Decoded, Array2<f32>)> {
    peak_normalize(&mut decoded.samples);
    let spec = LogMel::new(params)?.compute(&decoded.samples);
    Ok((decoded, spec))
}
