//! Chunk tuning: at warm-up the model thread times forward passes of a few sizes on the hardware
//! and precision it actually has, and runs every batch in chunks of the fastest. The best size
//! differs by machine (measured: 16 windows on a 2-core AMD EPYC in fp32, 64 on a Xeon with AMX in
//! bf16; a GPU wants the largest), so no single default fits.
use std::time::Instant;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Forward;
use crate::window::WindowShape;

/// Sizes tried, capped at the batch limit.
const CANDIDATES: [usize; 6] = [4, 8, 16, 32, 64, LARGEST];
const LARGEST: usize = 128;
/// A smaller chunk within this fraction of the fastest rate wins: the same throughput, and each
/// batch (so each waiting request) is done sooner.
const TIE: f64 = 0.05;

/// `--chunk-size`: tuned at warm-up, or fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkSize {
    Auto,
    Fixed(usize),
}

impl std::str::FromStr for ChunkSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(Self::Auto),
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Self::Fixed(n)),
                _ => Err(format!("--chunk-size wants `auto` or a number of windows ≥ 1, got {s:?}")),
            },
        }
    }
}

/// How long the sizes are timed: after one untimed pass each (the first at a new shape pays for
/// allocation and the graph executor's profiling), rounds of one pass per size, the sizes
/// interleaved and their order turned each round, until both minimums are met or the cap. Each
/// size's rate is its median over the rounds, so a burst of noise from a neighbour on a shared
/// machine lands on every size alike, and one slow or lucky pass decides nothing.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub min_rounds: usize,
    pub min_seconds: f64,
    pub max_rounds: usize,
}

impl Default for Budget {
    /// About 3.5 s of startup on a 2-core CPU, a fraction of that on a GPU: nine rounds, which
    /// measured 9 or 10 of 10 starts within 10 % of the best size under bursts of load from a
    /// neighbour, where five rounds gave 5 of 10 (`docs/benchmarks.md`).
    fn default() -> Self {
        Self { min_rounds: 9, min_seconds: 3.0, max_rounds: 25 }
    }
}

/// One size timed at warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChunkTrial {
    /// Windows per forward pass.
    #[schema(example = 16)]
    pub windows: usize,
    /// Windows per second: the median of its passes.
    #[schema(example = 612.5)]
    pub windows_per_second: f64,
}

/// Windows per forward pass, and how that was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Chunking {
    /// Windows per forward pass; a batch of more runs as several passes.
    #[schema(example = 16)]
    pub chunk_size: usize,
    /// `true` when timed at warm-up, `false` when set by `--chunk-size`.
    pub tuned: bool,
    /// The sizes timed at warm-up (empty when fixed).
    pub trials: Vec<ChunkTrial>,
}

impl Chunking {
    pub fn fixed(chunk_size: usize) -> Self {
        Self { chunk_size: chunk_size.max(1), tuned: false, trials: Vec::new() }
    }
}

/// The sizes worth timing under a batch limit of `max_batch`.
pub fn candidates(max_batch: usize) -> Vec<usize> {
    let max_batch = max_batch.max(1);
    let mut sizes: Vec<usize> = CANDIDATES.iter().copied().filter(|&c| c <= max_batch).collect();
    if sizes.last().is_none_or(|&last| last < max_batch && max_batch < LARGEST) {
        sizes.push(max_batch);
    }
    sizes
}

/// The size to run: the fastest, or a smaller one within [`TIE`] of it.
pub fn choose(trials: &[ChunkTrial]) -> Option<usize> {
    let best = trials.iter().map(|t| t.windows_per_second).filter(|r| r.is_finite()).fold(0.0, f64::max);
    let mut fit: Vec<&ChunkTrial> = trials.iter().filter(|t| t.windows_per_second >= best * (1.0 - TIE)).collect();
    fit.sort_by_key(|t| t.windows);
    fit.first().map(|t| t.windows)
}

/// `n` windows of `frames × mels` cut every `hop` frames (a whole window when 0) from one
/// pseudo-random clip, flattened as the batcher sends them. Log-mel windows are normalised to
/// about [-1, 1]; a fixed pattern keeps runs comparable.
pub fn clip_windows(n: usize, frames: usize, mels: usize, hop: usize) -> Vec<f32> {
    let hop = if hop == 0 { frames } else { hop };
    let value = |i: usize| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0;
    (0..n).flat_map(|w| (w * hop * mels..(w * hop + frames) * mels).map(value)).collect()
}

/// Times `model` at each of `sizes` on a fixed pseudo-random input and chooses a chunk size. The
/// input is windows of one long clip (cut at `hop` frames), as a long upload sends them.
pub fn tune(model: &impl Forward, shape: WindowShape, sizes: &[usize], budget: Budget) -> Result<Chunking, String> {
    let largest = sizes.iter().copied().max().unwrap_or(1);
    let input = clip_windows(largest, shape.frames, shape.mels, shape.hop);
    let part = |n: usize| input.get(..n * shape.values()).ok_or_else(|| "tuning input too short: a bug".to_string());
    for &n in sizes {
        model.forward(part(n)?, n, shape)?;
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); sizes.len()];
    let started = Instant::now();
    let mut round = 0;
    while round < budget.max_rounds
        && (round < budget.min_rounds || started.elapsed().as_secs_f64() < budget.min_seconds)
    {
        for k in 0..sizes.len() {
            let i = (k + round) % sizes.len();
            let (Some(&n), Some(rate)) = (sizes.get(i), rates.get_mut(i)) else { continue };
            let t = Instant::now();
            model.forward(part(n)?, n, shape)?;
            rate.push(n as f64 / t.elapsed().as_secs_f64().max(1e-9));
        }
        round += 1;
    }
    let trials: Vec<ChunkTrial> = sizes
        .iter()
        .zip(&mut rates)
        .map(|(&windows, rates)| ChunkTrial { windows, windows_per_second: median(rates) })
        .collect();
    tracing::debug!(rounds = round, ?trials, "chunk sizes timed");
    let chunk_size = choose(&trials).unwrap_or(largest);
    Ok(Chunking { chunk_size, tuned: true, trials })
}

/// The median of `values` (sorted in place); NaN when empty.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    let upper = values.get(mid).copied();
    let lower = if values.len() % 2 == 1 { upper } else { mid.checked_sub(1).and_then(|i| values.get(i)).copied() };
    match (lower, upper) {
        (Some(a), Some(b)) => (a + b) / 2.0,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn trial(windows: usize, windows_per_second: f64) -> ChunkTrial {
        ChunkTrial { windows, windows_per_second }
    }

    #[test]
    fn chunk_size_parses_auto_or_a_positive_count() {
        assert_eq!("auto".parse::<ChunkSize>(), Ok(ChunkSize::Auto));
        assert_eq!("32".parse::<ChunkSize>(), Ok(ChunkSize::Fixed(32)));
        for bad in ["0", "-4", "", "big", "1.5"] {
            assert!(bad.parse::<ChunkSize>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn candidates_stop_at_the_batch_limit() {
        assert_eq!(candidates(64), vec![4, 8, 16, 32, 64]);
        assert_eq!(candidates(256), vec![4, 8, 16, 32, 64, 128]);
        assert_eq!(candidates(100), vec![4, 8, 16, 32, 64, 100]);
        assert_eq!(candidates(2), vec![2]);
        assert_eq!(candidates(0), vec![1]);
        assert_eq!(candidates(4), vec![4]);
    }

    #[test]
    fn the_fastest_wins_unless_a_smaller_one_is_as_fast() {
        let trials = [trial(4, 300.0), trial(16, 540.0), trial(64, 280.0)];
        assert_eq!(choose(&trials), Some(16));
        // 32 is 3 % slower than 64: the same throughput at half the latency.
        assert_eq!(choose(&[trial(16, 500.0), trial(32, 970.0), trial(64, 1000.0)]), Some(32));
        assert_eq!(choose(&[trial(8, f64::NAN), trial(16, 10.0)]), Some(16));
        assert_eq!(choose(&[]), None);
    }

    /// A model that costs `overhead` per pass plus `per_window(n)` per window.
    struct Costly {
        overhead: Duration,
        per_window: fn(usize) -> Duration,
    }

    impl Forward for Costly {
        fn forward(&self, _: &[f32], n: usize, shape: WindowShape) -> Result<Vec<f32>, String> {
            std::thread::sleep(self.overhead + (self.per_window)(n) * n as u32);
            Ok(vec![0.5; n * shape.labels])
        }
    }

    const QUICK: Budget = Budget { min_rounds: 3, min_seconds: 0.0, max_rounds: 3 };
    const SHAPE: WindowShape = WindowShape { frames: 4, mels: 8, hop: 2, labels: 11 };

    #[test]
    fn the_median_ignores_one_outlier() {
        assert_eq!(median(&mut [5.0, 1.0, 1000.0]), 5.0);
        assert_eq!(median(&mut [4.0, 2.0]), 3.0);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn tuning_finds_the_size_a_model_is_fastest_at() {
        // Per-pass overhead and a flat per-window cost: bigger is faster (a GPU).
        let flat = Costly { overhead: Duration::from_millis(8), per_window: |_| Duration::from_micros(50) };
        let got = tune(&flat, SHAPE, &[4, 16, 64], QUICK).unwrap();
        assert_eq!((got.chunk_size, got.tuned, got.trials.len()), (64, true, 3), "{got:?}");
        // Past 16 windows each one costs 10× (out of cache, as on a small CPU): 16 wins.
        let cliff = Costly {
            overhead: Duration::from_millis(2),
            per_window: |n| Duration::from_micros(if n > 16 { 1000 } else { 100 }),
        };
        let got = tune(&cliff, SHAPE, &[4, 16, 64], QUICK).unwrap();
        assert_eq!(got.chunk_size, 16, "{got:?}");
        assert!(got.trials.iter().all(|t| t.windows_per_second.is_finite() && t.windows_per_second > 0.0));
    }

    #[test]
    fn a_model_that_fails_while_tuning_is_a_warm_up_error() {
        struct Broken;
        impl Forward for Broken {
            fn forward(&self, _: &[f32], _: usize, _: WindowShape) -> Result<Vec<f32>, String> {
                Err("no kernel".into())
            }
        }
        assert_eq!(tune(&Broken, SHAPE, &[4], QUICK), Err("no kernel".to_string()));
    }
}
