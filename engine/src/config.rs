//! How a model is chosen and run: the flags every binary that loads a model shares (the server,
//! `server recognize`, the benchmarks), each with an environment variable and its trade-off.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
pub use shared::manifest::Precision;

pub use crate::infer::tuning::ChunkSize;

/// Default of `--max-batch-size`.
pub const DEFAULT_MAX_BATCH: usize = 64;

/// A setting that is either chosen by a rule (`auto`) or fixed to one of `T`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auto<T> {
    Auto,
    Is(T),
}

impl<T: ValueEnum> std::str::FromStr for Auto<T> {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        T::from_str(s.trim(), true).map(Self::Is).map_err(|_| {
            let names: Vec<String> = T::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value())
                .map(|p| p.get_name().to_string())
                .collect();
            format!("wants auto or one of {}, got {s:?}", names.join(", "))
        })
    }
}

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Device {
    /// The CPU.
    Cpu,
    /// The first CUDA device; an error when libtorch sees none.
    Cuda,
}

/// The model and how it runs.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Model directory (`model.pt` + `manifest.json`). Default: the embedded default model.
    #[arg(long, env = "MODEL_DIR", default_value = "models/default")]
    pub model_dir: PathBuf,
    /// Where the model runs: `auto`, `cpu` or `cuda`. Default `auto`: CUDA if present, else CPU.
    /// `cuda` turns a missing GPU into a startup error instead of a silent, slower CPU fallback.
    #[arg(long, env = "DEVICE", default_value = "auto")]
    pub device: Auto<Device>,
    /// Arithmetic of the served network: `auto`, `fp32`, `bf16` or `int8`. Default `auto`: the
    /// model directory's `bf16/` export on a CPU with AMX (bf16 tiles), at the same F1: measured
    /// 1.6–1.8× the audio of fp32 on a Xeon with AMX; fp32 elsewhere: on a Xeon with AVX-512 BF16
    /// alone fp32 ran 1.5–1.8× faster than bf16 (`docs/perf.md`), CPUs without bf16 units emulate
    /// it slowly, and on GPUs bf16 is not measured yet. A fixed rule, not a timing at startup, so
    /// every replica and every run of `server recognize` on a machine serves the same arithmetic.
    /// `int8` (the `int8/` export) is the fastest on CPUs without AMX (measured 1.43× the
    /// windows/s of fp32 on an AMD EPYC with AVX2) but changes some answers: its F1 is in its
    /// manifest and `docs/perf.md`; opt in.
    #[arg(long, env = "PRECISION", default_value = "auto")]
    pub precision: Auto<Precision>,
    /// Most windows (1 s each) gathered into one batch from concurrent requests (or files). Default
    /// 64: larger batches let the model thread run its best chunk size under load and raise a
    /// GPU's throughput, but each waiting request waits for the whole batch.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = DEFAULT_MAX_BATCH)]
    pub max_batch_size: usize,
    /// Windows per forward pass; a batch of more runs as several passes. Default `auto`: at
    /// warm-up the model thread times passes of 4–128 windows (up to `--max-batch-size`) on this
    /// hardware and precision in interleaved rounds and keeps the size with the best median
    /// (measured best: 16 on a 2-core AMD EPYC in fp32, 64 on a Xeon with AMX in bf16); it costs
    /// about 3.5 s of startup on a CPU. A number skips the timing (a fast start, or the same size
    /// on every replica).
    #[arg(long, env = "CHUNK_SIZE", default_value = "auto")]
    pub chunk_size: ChunkSize,
    /// Longest wait, in milliseconds, for more requests to join a batch. Default 5: longer waits
    /// fill batches under load at the cost of latency when idle.
    #[arg(long, env = "MAX_BATCH_WAIT_MS", default_value_t = 5)]
    pub max_batch_wait_ms: u64,
    /// Threads libtorch uses inside one forward pass (intra-op). Default 0: libtorch's choice,
    /// one per core. Fewer leave cores to the decoding of concurrent uploads, which runs beside
    /// the model; `docs/perf.md` measures both on the benchmark machine.
    #[arg(long, env = "MODEL_THREADS", default_value_t = 0)]
    pub model_threads: usize,
    /// Keep the memory libtorch frees for its next forward pass (glibc: one arena, no `mmap`ed
    /// blocks, no heap trimming; `shared::memory`). Default `true`: otherwise each pass
    /// page-faults its activations in afresh, measured 1.4–1.8× slower in fp32 on a 2-core Xeon
    /// (`docs/perf.md`). The cost: the resident size stays at its peak instead of shrinking when
    /// idle, and threads share one arena. No effect where the C library is not glibc.
    #[arg(long, env = "RETAIN_FREED_MEMORY", default_value_t = true, action = clap::ArgAction::Set)]
    pub retain_freed_memory: bool,
    /// Run the windows of a clip as one strip of frames (`strip.pt`, when the model directory
    /// has one): windows overlap by half, so block 1's convolutions run once per frame instead
    /// of twice, with the same answers (within float rounding). Default `true`: measured faster
    /// wherever at least half the windows of a batch continue the one before (clips of two
    /// windows, 1.5 s, or more); batches of mostly one-window clips run `model.pt` either way.
    /// `false` always runs `model.pt`.
    #[arg(long, env = "SHARE_FRAMES", default_value_t = true, action = clap::ArgAction::Set)]
    pub share_frames: bool,
    /// The audible floor: a 1-s window whose RMS level before normalisation is below this many
    /// dBFS is silent: it is not scored, takes no part in the answer, and is marked in the
    /// timeline; a recording with no audible window answers no instrument. Default −60: quiet
    /// passages of real recordings stay well above it while room hiss, dither and digital
    /// silence fall below. Higher also silences very quiet playing; lower lets hiss and
    /// background noise, which normalisation lifts to full scale, be heard as instruments.
    #[arg(long, env = "AUDIBLE_FLOOR_DBFS", default_value_t = shared::frontend::DEFAULT_AUDIBLE_FLOOR_DBFS, allow_hyphen_values = true, value_parser = audible_floor)]
    pub audible_floor_dbfs: f32,
}

/// A floor in dBFS: finite, from −200 (every window with any sound heard) to 0.
fn audible_floor(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(v) if (shared::frontend::SILENCE_DBFS..=0.0).contains(&v) => Ok(v),
        _ => Err(format!("wants a level in dBFS from -200 to 0, got {s:?}")),
    }
}

impl ModelArgs {
    pub fn max_batch_wait(&self) -> Duration {
        Duration::from_millis(self.max_batch_wait_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_or_a_value() {
        assert_eq!("auto".parse::<Auto<Device>>().unwrap(), Auto::Auto);
        assert_eq!("cuda".parse::<Auto<Device>>().unwrap(), Auto::Is(Device::Cuda));
        assert_eq!("BF16".parse::<Auto<Precision>>().unwrap(), Auto::Is(Precision::Bf16));
        let e = "fp16".parse::<Auto<Precision>>().unwrap_err();
        assert!(e.contains("fp32, bf16, int8") && e.contains("fp16"), "{e}");
    }

    #[test]
    fn the_audible_floor_is_a_level_in_dbfs() {
        assert_eq!(audible_floor("-60"), Ok(-60.0));
        assert_eq!(audible_floor(" -200 "), Ok(-200.0));
        for bad in ["nan", "inf", "3", "-201", "loud"] {
            assert!(audible_floor(bad).is_err(), "{bad}");
        }
    }
}
