//! `trainer synth`: an IRMAS-like corpus rendered from General MIDI sample banks (SF2) with
//! rustysynth, since the real IRMAS cannot be downloaded here.
mod corpus;
mod music;
mod programs;
mod render;

pub use corpus::{render_corpus, CorpusConfig, CorpusSummary};
pub use music::{compose, Event, Piece};
pub use programs::{programs, register};
pub use render::{degrade, render};
