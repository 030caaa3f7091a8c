//! Command-line arguments of every `trainer` subcommand.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "trainer", version, about = "Train, evaluate and export the instrument-recognition ConvNet")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the log-mel spectrogram of an audio file (frames × 128, float32) as .npy, so it can be
    /// compared with any other implementation.
    Features(FeaturesArgs),
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// The audio file (WAV, FLAC, MP3, Ogg Vorbis, AAC/M4A).
    pub input: PathBuf,
    /// Where to write the spectrogram (.npy, float32, frames × mel bands).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the 22,050 Hz peak-normalised mono signal the spectrogram was computed from.
    #[arg(long)]
    pub signal_out: Option<PathBuf>,
}
