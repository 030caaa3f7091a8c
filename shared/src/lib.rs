//! Pure audio and maths for predominant-instrument recognition (Han, Kim & Lee 2017).
//!
//! - [`audio`]: decode any supported container/codec, downmix to mono, resample to 22,050 Hz.
//! - [`frontend`]: peak normalisation, STFT, Slaney mel filterbank, log, and 1-s windows.
//! - [`labels`], [`aggregate`], [`scoring`]: the label set, S1/S2 aggregation and thresholds,
//!   and precision/recall/F1, LRAP and top-1, which score answers against the truth; shared by
//!   the trainer's evaluation and the server.
//!
//! - [`segments`]: where each instrument plays, as time ranges from the window sigmoids.
//! - [`model_dir`]: a model directory's files, its manifest read and verified against `model.pt`.
//!
//! No HTTP, no training, no I/O beyond reading the audio being decoded and the model directory.
// Nothing a client sends may panic the process: no unwrap, expect, panic or unchecked indexing
// outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
pub mod aggregate;
pub mod audio;
mod error;
pub mod frontend;
pub mod invariant;
pub mod labels;
pub mod manifest;
pub mod memory;
pub mod model_dir;
pub mod scoring;
pub mod segments;

pub use error::{Error, ModelDirError, Result};
