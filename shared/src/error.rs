//! The errors of this crate: what is wrong with audio (a client's upload, a file of a library),
//! and what is wrong with a model folder (the operator's). Each variant names what was wrong.

/// Errors of decoding and analysing audio.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the input is empty (0 bytes)")]
    Empty,
    #[error("not a recognised audio format: {0}")]
    UnknownFormat(String),
    #[error("unsupported codec: {0}")]
    UnsupportedCodec(String),
    #[error("the file has no decodable audio track")]
    NoAudioTrack,
    #[error("the audio track declares a sample rate of 0 Hz")]
    ZeroSampleRate,
    #[error("unsupported sample rate {rate} Hz (supported: {min} to {max} Hz)")]
    UnsupportedSampleRate { rate: u32, min: u32, max: u32 },
    #[error("the audio track has no channels")]
    NoChannels,
    #[error("corrupt audio stream: {0}")]
    Corrupt(String),
    #[error("truncated audio stream: {0}")]
    Truncated(String),
    #[error("the audio track contains no samples")]
    NoSamples,
    #[error("audio longer than the limit of {limit_seconds} s")]
    TooLong { limit_seconds: f64 },
    #[error("I/O error while reading audio: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid front-end parameters: {0}")]
    InvalidParameters(String),
    #[error("resampling failed: {0}")]
    Resample(String),
    /// A streaming consumer (the sink of `decode_stream`, the `emit` of `windows_of_file`)
    /// asked to stop; the reason is the consumer's own.
    #[error("stopped by the consumer of the stream")]
    Stopped,
}

impl Error {
    /// A stable, machine-readable name for the error (used in API error bodies and metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Empty => "empty",
            Error::UnknownFormat(_) => "unknown_format",
            Error::UnsupportedCodec(_) => "unsupported_codec",
            Error::NoAudioTrack => "no_audio_track",
            Error::ZeroSampleRate => "zero_sample_rate",
            Error::UnsupportedSampleRate { .. } => "unsupported_sample_rate",
            Error::NoChannels => "no_channels",
            Error::Corrupt(_) => "corrupt",
            Error::Truncated(_) => "truncated",
            Error::NoSamples => "no_samples",
            Error::TooLong { .. } => "too_long",
            Error::Io(_) => "io",
            Error::InvalidParameters(_) => "invalid_parameters",
            Error::Resample(_) => "resample",
            Error::Stopped => "stopped",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of a model folder: `manifest.json`, `model.pt` or `strip.pt` missing, unreadable, or
/// not matching one another or this front end.
#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
    #[error("model manifest does not match: {0}")]
    Manifest(String),
    #[error("{}: {message}", path.display())]
    File { path: std::path::PathBuf, message: String },
}
