//! Every setting of the server: a flag with an environment variable and a documented default.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when a GPU is visible, else the CPU.
    Auto,
    /// Always the CPU.
    Cpu,
    /// CUDA, and a startup error when no GPU is visible.
    Cuda,
}

#[derive(Debug, Clone, Parser)]
#[command(name = "server", version, about = "Recognise the predominant instruments in uploaded audio")]
pub struct Config {
    /// Address to listen on. Default 0.0.0.0 (all interfaces, as a container needs); use
    /// 127.0.0.1 to accept local clients only.
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: String,
    /// TCP port. Default 8080; 0 picks a free port (printed at startup).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Model directory (`model.pt` + `manifest.json`). Default: the embedded default model.
    #[arg(long, env = "MODEL_DIR", default_value = "models/default")]
    pub model_dir: PathBuf,
    /// Where the model runs. Default `auto`: CUDA if present, else CPU. `cuda` turns a missing
    /// GPU into a startup error instead of a silent, slower CPU fallback.
    #[arg(long, env = "DEVICE", value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Most windows (1 s each) run through the model at once. Default 64: larger batches raise
    /// throughput on a GPU but make each batch, and so each waiting request, slower.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 64)]
    pub max_batch_size: usize,
    /// Longest wait, in milliseconds, for more requests to join a batch. Default 5: longer waits
    /// fill batches under load at the cost of latency when idle.
    #[arg(long, env = "MAX_BATCH_WAIT_MS", default_value_t = 5)]
    pub max_batch_wait_ms: u64,
    /// Requests handled at once; more get 429 at once. Default 32: bounds memory (each holds its
    /// decoded audio) and queueing delay.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS", default_value_t = 32)]
    pub max_concurrent_requests: usize,
    /// Requests waiting for the model; more get 503 at once. Default 64.
    #[arg(long, env = "QUEUE_LENGTH", default_value_t = 64)]
    pub queue_length: usize,
    /// Largest upload in bytes. Default 50 MB (about 50 min of 128 kbps MP3, 5 min of CD WAV).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 50 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest audio accepted, in seconds, checked while decoding. Default 600.
    #[arg(long, env = "MAX_AUDIO_SECONDS", default_value_t = 600.0)]
    pub max_audio_seconds: f64,
    /// Browser origins allowed to call the API (comma-separated, e.g.
    /// `https://app.example.com`). Default none: no CORS headers, browsers on other origins are
    /// refused; same-origin pages and non-browser clients are unaffected.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

impl Config {
    pub fn max_batch_wait(&self) -> Duration {
        Duration::from_millis(self.max_batch_wait_ms)
    }
}
