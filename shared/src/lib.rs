//! Pure audio and maths for predominant-instrument recognition (Han, Kim & Lee 2017).
//!
//! - [`audio`]: decode any supported container/codec, downmix to mono, resample to 22,050 Hz.
//! - [`frontend`]: peak normalisation, STFT, Slaney mel filterbank, log, and 1-s windows.
//!
//! No HTTP, no training, no I/O beyond reading the audio being decoded.
pub mod audio;
mod error;
pub mod frontend;

pub use error::{Error, Result};
