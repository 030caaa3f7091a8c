//! Every setting of the server: a flag with an environment variable and a documented default.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use engine::config::{ChunkSize, ModelArgs, DEFAULT_MAX_BATCH};

/// Default of `--max-audio-seconds` (also what the API document's examples show).
pub const DEFAULT_MAX_AUDIO_SECONDS: f64 = 600.0;
/// Default of `--request-timeout-s`.
pub const DEFAULT_REQUEST_TIMEOUT_S: f64 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The command line: serve (the default), or write the OpenAPI document.
#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Recognise the predominant instruments in uploaded audio")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
pub enum Command {
    /// Recognise the instruments of audio files and folders offline, without a server: one JSON
    /// line (the API's answer plus `path`) or CSV row per file. Files are streamed, so any
    /// duration fits in bounded memory; a file that fails gives its error line and the rest go
    /// on; the exit status is 1 when any file failed.
    Recognize(RecognizeArgs),
    /// Write the OpenAPI 3.1 document of the API (what `GET /openapi.json` serves) and, beside
    /// it, the JSON Schema of the `/v1/stream` messages (`stream-messages.json`), and exit.
    Openapi {
        /// Where to write it; `-` for standard output.
        #[arg(long, default_value = "openapi/openapi.json")]
        out: PathBuf,
    },
}

#[derive(Clone, Args)]
pub struct Config {
    /// Address to listen on. Default 0.0.0.0 (all interfaces, as a container needs); use
    /// 127.0.0.1 to accept local clients only.
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: String,
    /// TCP port. Default 8080; 0 picks a free port (printed at startup).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    #[command(flatten)]
    pub model: ModelArgs,
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
    #[arg(long, env = "MAX_AUDIO_SECONDS", default_value_t = DEFAULT_MAX_AUDIO_SECONDS)]
    pub max_audio_seconds: f64,
    /// Browser origins allowed to call the API (comma-separated, e.g.
    /// `https://app.example.com`). Default none: no CORS headers, browsers on other origins are
    /// refused; same-origin pages and non-browser clients are unaffected.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Longest time, in seconds, from a request's arrival to its answer, upload included; slower
    /// requests get 408. Default 60: long enough for a 50 MB upload on a slow link and a 10-min
    /// clip on the CPU, short enough that a stalled (slow-loris) upload cannot hold a slot.
    #[arg(long, env = "REQUEST_TIMEOUT_S", default_value_t = DEFAULT_REQUEST_TIMEOUT_S)]
    pub request_timeout_s: f64,
    /// Seconds a connection has to send a request's headers; also how long an idle keep-alive
    /// connection is kept. Default 10: a client that opens a connection and sends nothing (or
    /// its headers a byte at a time) is cut then, with 408 when it has sent no whole request
    /// yet; longer helps only clients on very slow links, at the cost of descriptors held by
    /// idle ones. The body is bounded by `--request-timeout-s`.
    #[arg(long, env = "HEADER_TIMEOUT_S", default_value_t = 10.0)]
    pub header_timeout_s: f64,
    /// TCP connections served at once; past it a new connection gets 503
    /// (`too_many_connections`) and is closed. Default 1024. Lowered at startup, with a warning,
    /// to what the file-descriptor limit allows (the soft limit is first raised to the hard
    /// one), so the process never fails for want of descriptors. Each connection costs a socket
    /// and a few KB; requests are bounded separately by `--max-concurrent-requests`.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Megabytes of request bodies held in memory at once, across every upload being received
    /// or recognised; an upload that would pass it gets 429. Default 0: `--max-body-bytes` ×
    /// `--max-concurrent-requests` (1,600 MiB at the defaults), the bound uploads had when a
    /// request took its slot before its body. Bodies are read before a request takes one of the
    /// `--max-concurrent-requests` slots, so slow uploads hold only their own bytes, never a
    /// slot; lower it where memory is tight.
    #[arg(long, env = "UPLOAD_BUFFER_MB", default_value_t = 0)]
    pub upload_buffer_mb: usize,
    /// Longest live stream (`/v1/stream`), in seconds of audio; past it the stream is closed
    /// with 4413 (`too_long`). Default 600, as `--max-audio-seconds`: the server keeps a stream's
    /// signal at 22,050 Hz for its exact final answer, 88 kB a second (53 MB at the limit).
    #[arg(long, env = "MAX_STREAM_SECONDS", default_value_t = 600.0)]
    pub max_stream_seconds: f64,
    /// Seconds a live stream may send nothing before it is closed with 4408 (`timeout`).
    /// Default 10: a live source sends several messages a second; longer keeps a slot for a
    /// client that has gone quiet.
    #[arg(long, env = "STREAM_IDLE_TIMEOUT_S", default_value_t = 10.0)]
    pub stream_idle_timeout_s: f64,
    /// Seconds of audio a live stream may run ahead of real time; past it the server stops
    /// reading it until real time catches up (the client's socket fills, not our memory).
    /// Default 10: room for a client's buffering; a large value lets a client stream a file
    /// as fast as the model scores it.
    #[arg(long, env = "MAX_STREAM_LEAD_S", default_value_t = 10.0)]
    pub max_stream_lead_s: f64,
    /// API keys accepted as `Authorization: Bearer KEY` on `/v1/*` (comma-separated). Default
    /// none: the API is open. Health, readiness, metrics and the API document stay open always.
    #[arg(long, env = "API_KEYS", value_delimiter = ',', hide_env_values = true)]
    pub api_keys: Vec<String>,
    /// Log format: `text` (default) for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Seconds between SIGTERM and closing the listener, while `/readyz` already answers 503 and
    /// requests are still served. Default 0; behind a load balancer or in Kubernetes set it to the
    /// time the balancer needs to see the pod unready (e.g. 5), so no request meets a closed port.
    #[arg(long, env = "SHUTDOWN_DRAIN_S", default_value_t = 0.0)]
    pub shutdown_drain_s: f64,
}

/// `server recognize`: what to tag, how, and where the answers go.
#[derive(Debug, Clone, Args)]
pub struct RecognizeArgs {
    /// Audio files and folders (searched recursively; a folder's files are taken when their
    /// content is audio, whatever their name).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format: `jsonl` (default; the API's JSON per file, with `path`) or `csv` (path,
    /// labels, error, then the 11 scores).
    #[arg(long, value_enum, default_value_t = OutputFormat::Jsonl)]
    pub format: OutputFormat,
    /// Where to write the answers. Default `-`: standard output. Each record is written whole
    /// and flushed as soon as it is next in file order, so a killed run leaves whole lines only.
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// Continue an interrupted run: keep what `--out FILE` already holds, skip every path with
    /// a whole answer line there (a result or an error), cut a torn last line (it is redone) and
    /// append the rest. Default off: `--out` is overwritten. Needs `--out FILE`; composes with
    /// `--shard` (give each shard its own file) and with both formats. Without the file it starts
    /// afresh.
    #[arg(long)]
    pub resume: bool,
    /// Seconds between syncs of `--out FILE` to disk (`fdatasync`), and one at the end. Default
    /// 5: a power cut loses at most the last 5 s of answers (a crash or `kill -9` loses none:
    /// every record is in the kernel once written). 0 syncs after every record, safest and
    /// slowest on a disk that syncs slowly.
    #[arg(long, env = "SYNC_INTERVAL_S", default_value_t = 5.0)]
    pub sync_interval_s: f64,
    /// Name, on standard error, every file in the folders walked that was passed over because
    /// its content is not audio. Default off: the summary gives their count.
    #[arg(long)]
    pub list_skipped: bool,
    /// Files decoded at once. Default 0: one per core. More keep the model busier when decoding
    /// is the bottleneck, at a few MB of memory each. With 1, each file's windows run in batches
    /// of their own and the output is reproducible to the bit; with more, files share batches and
    /// a score can differ in its last digits between runs (libtorch rounds differently at other
    /// batch sizes).
    #[arg(long, env = "JOBS", default_value_t = 0)]
    pub jobs: usize,
    /// Only the files of shard I of N (`I/N`, 0 ≤ I < N), chosen by a hash of each path, so N
    /// runs (a Kubernetes Indexed Job) split a library without overlap or a coordinator.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Aggregation: `s2` or `s1`. Default: the model's.
    #[arg(long)]
    pub aggregation: Option<shared::aggregate::Aggregation>,
    /// One threshold in [0, 1] for every instrument. Default: the model's.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Also write each window's sigmoids (`timeline`).
    #[arg(long)]
    pub timeline: bool,
    /// Also write where each present instrument plays (`segments`, default smoothing).
    #[arg(long)]
    pub segments: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// A header and one row per file.
    Csv,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard wants I/N with 0 <= I < N, got {s:?}");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Never prints the API keys.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("model", &self.model)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("queue_length", &self.queue_length)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_audio_seconds", &self.max_audio_seconds)
            .field("cors_origins", &self.cors_origins)
            .field("request_timeout_s", &self.request_timeout_s)
            .field("header_timeout_s", &self.header_timeout_s)
            .field("max_connections", &self.max_connections)
            .field("upload_buffer_mb", &self.upload_buffer_mb)
            .field("max_stream_seconds", &self.max_stream_seconds)
            .field("stream_idle_timeout_s", &self.stream_idle_timeout_s)
            .field("max_stream_lead_s", &self.max_stream_lead_s)
            .field("api_keys", &format_args!("[{} hidden]", self.api_keys.len()))
            .field("log_format", &self.log_format)
            .field("shutdown_drain_s", &self.shutdown_drain_s)
            .finish()
    }
}

impl Config {
    /// Settings that cannot work, found before anything is loaded.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.model.max_batch_size > 0, "--max-batch-size must be at least 1");
        anyhow::ensure!(self.max_concurrent_requests > 0, "--max-concurrent-requests must be at least 1");
        anyhow::ensure!(self.queue_length > 0, "--queue-length must be at least 1");
        anyhow::ensure!(
            self.max_audio_seconds.is_finite() && self.max_audio_seconds > 0.0,
            "--max-audio-seconds must be positive"
        );
        anyhow::ensure!(
            self.request_timeout_s.is_finite() && self.request_timeout_s > 0.0,
            "--request-timeout-s must be positive"
        );
        anyhow::ensure!(
            self.shutdown_drain_s.is_finite() && self.shutdown_drain_s >= 0.0,
            "--shutdown-drain-s must be zero or positive"
        );
        anyhow::ensure!(
            self.header_timeout_s.is_finite() && self.header_timeout_s > 0.0,
            "--header-timeout-s must be positive"
        );
        anyhow::ensure!(self.max_connections > 0, "--max-connections must be at least 1");
        for (flag, v) in [
            ("--max-stream-seconds", self.max_stream_seconds),
            ("--stream-idle-timeout-s", self.stream_idle_timeout_s),
            ("--max-stream-lead-s", self.max_stream_lead_s),
        ] {
            anyhow::ensure!(v.is_finite() && v > 0.0, "{flag} must be positive");
        }
        anyhow::ensure!(
            self.upload_buffer_bytes() >= self.max_body_bytes,
            "--upload-buffer-mb ({} MiB) must hold at least one body of --max-body-bytes ({} bytes)",
            self.upload_buffer_mb,
            self.max_body_bytes
        );
        Ok(())
    }

    /// `--upload-buffer-mb` in bytes, its default (0) resolved.
    pub fn upload_buffer_bytes(&self) -> usize {
        match self.upload_buffer_mb {
            0 => self.max_body_bytes.saturating_mul(self.max_concurrent_requests),
            mb => mb.saturating_mul(1 << 20),
        }
    }
}
