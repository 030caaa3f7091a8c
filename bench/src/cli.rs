//! Command-line arguments of `perf`.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "perf", about = "Benchmarks: ours against the Python reference (docs/perf.md)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every benchmark in one run; writes the Markdown report.
    Run(RunArgs),
    /// Drive one server with a bounded load and print the measurements as JSON.
    Load(LoadArgs),
    /// The server for an hour at about half its capacity with valid, hostile and abandoned
    /// uploads, sampled every 30 s; writes soak.{json,csv,md,png} (docs/reliability.md).
    Soak(SoakArgs),
    /// Live-stream latency at 1, 8 and 32 real-time streams, then how many the machine holds
    /// with a p99 under the bound; writes stream.md and stream.json.
    Stream(StreamArgs),
    /// The accelerator section: model windows/s by batch size (fp32, bf16) and both servers at
    /// 1/4/16/64 clients on one device; writes device.md and device.json (scripts/gpu-check.sh).
    Device(DeviceArgs),
}

#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// `cuda` (the GPU) or `cpu` (the same path without one).
    #[arg(long, value_enum, default_value_t = engine::Device::Cuda)]
    pub device: engine::Device,
    /// fp32 model directory; its `bf16/` export is measured too when present.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// Python with the reference's packages (torch, librosa, FastAPI, uvicorn).
    #[arg(long, env = "REFERENCE_PYTHON", default_value = "python3")]
    pub python: PathBuf,
    /// The recording the 10-s clip is cut from.
    #[arg(long, default_value = "bench/audio/real-music-30s.mp3")]
    pub source: PathBuf,
    /// Our server binary.
    #[arg(long, default_value = "target/release/server")]
    pub server: PathBuf,
    /// Where device.md and device.json go.
    #[arg(long, default_value = "target/perf-device")]
    pub out: PathBuf,
    /// Where the benchmark clips are cut to.
    #[arg(long, default_value = "target/perf-device/clips")]
    pub work: PathBuf,
    /// Batch sizes of the model measurement.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,64,256")]
    pub batches: Vec<i64>,
    /// Concurrent clients of the server measurement.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,64")]
    pub clients: Vec<usize>,
    /// Seconds of load per level.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Where the report goes.
    #[arg(long, env = "PERF_OUT", default_value = "docs/perf.md")]
    pub out: PathBuf,
    /// fp32 model directory (ours and the reference load the same model.pt).
    #[arg(long, env = "MODEL_DIR", default_value = "models/default")]
    pub model: PathBuf,
    /// bf16 model directory (`trainer export --precision bf16`); skipped when absent.
    #[arg(long, env = "BF16_MODEL_DIR", default_value = "models/default/bf16")]
    pub bf16_model: PathBuf,
    /// int8 model directory (`scripts/export-int8.sh`); skipped when absent.
    #[arg(long, env = "INT8_MODEL_DIR", default_value = "models/default/int8")]
    pub int8_model: PathBuf,
    /// Python of the reference environment (bench/run.sh installs it).
    #[arg(long, env = "REFERENCE_PYTHON", default_value = ".cache/bench-pyenv/bin/python")]
    pub python: PathBuf,
    /// The source recording the benchmark clips are cut from.
    #[arg(long, default_value = "bench/audio/real-music-30s.mp3")]
    pub source: PathBuf,
    /// Where the clips and the logs are written.
    #[arg(long, default_value = "target/perf")]
    pub work: PathBuf,
    /// Threads for both sides (libtorch intra-op). Default: every core.
    #[arg(long, env = "PERF_THREADS")]
    pub threads: Option<usize>,
    /// Seconds of load per server measurement. Longer gives steadier numbers.
    #[arg(long, env = "PERF_SECONDS", default_value_t = 15.0)]
    pub seconds: f64,
    /// Requests of the RSS soak against our server (0 skips it).
    #[arg(long, env = "PERF_SOAK_REQUESTS", default_value_t = 10_000)]
    pub soak_requests: usize,
    /// Timed runs per clip in the offline benchmark (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// The server binary (built with `cargo build --release -p server`).
    #[arg(long, default_value = "target/release/server")]
    pub server: PathBuf,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Base URL of the server (`http://127.0.0.1:8080`).
    #[arg(long)]
    pub url: String,
    /// The audio file to post (as the multipart field `file`).
    #[arg(long)]
    pub clip: PathBuf,
    /// Its duration in seconds (for audio-seconds per second).
    #[arg(long)]
    pub clip_seconds: f64,
    /// Clients sending at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds of load (after one warm-up request per client).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Stop after this many requests instead (0: run for `seconds`).
    #[arg(long, default_value_t = 0)]
    pub requests: usize,
    /// Process whose resident memory is sampled during the run.
    #[arg(long)]
    pub pid: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Our server binary (`cargo build --release -p server`).
    #[arg(long, default_value = "target/release/server")]
    pub server: PathBuf,
    /// Model directory served.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// Folder holding real-dev and real-dev-2 (the valid uploads are taken from them).
    #[arg(long, default_value = "../shared/eval")]
    pub eval: PathBuf,
    /// Minutes of load.
    #[arg(long, default_value_t = 60.0)]
    pub minutes: f64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 30.0)]
    pub sample_s: f64,
    /// Minutes at the start that the flatness checks leave out.
    #[arg(long, default_value_t = 5.0)]
    pub warmup_min: f64,
    /// Offered load as a share of the measured capacity (valid uploads).
    #[arg(long, default_value_t = 0.5)]
    pub load: f64,
    /// Seconds of the capacity measurement before the soak.
    #[arg(long, default_value_t = 60.0)]
    pub capacity_s: f64,
    /// Client threads (arrivals past them are counted, not queued).
    #[arg(long, default_value_t = 32)]
    pub workers: usize,
    /// Seed of the arrival times and of the mix.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where soak.{json,csv,md,png} and the server's log go.
    #[arg(long, default_value = "target/soak")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Our server binary (`cargo build --release -p server`).
    #[arg(long, default_value = "target/release/server")]
    pub server: PathBuf,
    /// Model directory served.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// A 16-bit WAV recording each client streams (looped).
    #[arg(long, default_value = "../shared/eval/real-dev/vocadito__vocadito_1.wav")]
    pub clip: PathBuf,
    /// Numbers of concurrent streams measured.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    pub streams: Vec<usize>,
    /// Seconds per level.
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    /// The p99 latency a held stream count must keep, in ms.
    #[arg(long, default_value_t = 1000.0)]
    pub bound_ms: f64,
    /// Most streams tried when searching for the limit.
    #[arg(long, default_value_t = 256)]
    pub max_streams: usize,
    /// Where stream.md and stream.json go.
    #[arg(long, default_value = "target/perf-stream")]
    pub out: PathBuf,
}
