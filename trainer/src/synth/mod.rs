//! `trainer synth`: an IRMAS-like corpus rendered from General MIDI sample banks (SF2) with
//! rustysynth, since the real IRMAS cannot be downloaded here; with `--real-instruments`, part of
//! the leads are played by real recordings instead (`real`).
mod corpus;
mod music;
pub mod negatives;
mod programs;
pub mod real;
mod render;
mod score;
pub mod signal;

pub use corpus::{render_corpus, write_float_wav, CorpusConfig, CorpusRecord, CorpusSummary};
pub use music::compose;
pub use programs::{programs, register};
pub use render::{degrade, render};
pub use score::{Event, Piece};
