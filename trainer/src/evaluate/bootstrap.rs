//! Paired bootstrap of two runs evaluated on the same clips: how far apart their micro F1, macro
//! F1 and LRAP are, with a 95 % interval from resampling the clips (Efron & Tibshirani). A test
//! split of 40–120 clips moves F1 by about 0.01 per clip, so a difference is only called a win
//! where its interval excludes zero.
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use shared::labels::N_LABELS;
use shared::scoring::{lrap, prf_report};

use super::{multi_hot, ClipResult};

/// A difference (other − base) on all clips, and the 2.5 / 97.5 percentiles over resamples.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Interval {
    pub delta: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// `+0.020 [−0.011, +0.052]`, with a star where the interval excludes zero.
    pub fn cell(&self) -> String {
        let star = if self.low > 0.0 || self.high < 0.0 { " *" } else { "" };
        format!("{:+.3} [{:+.3}, {:+.3}]{star}", self.delta, self.low, self.high)
    }
}

/// The three differences of one paired comparison.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Paired {
    pub micro_f1: Interval,
    pub macro_f1: Interval,
    pub lrap: Interval,
}

/// (micro F1, macro F1, LRAP) of the clips `idx` of `clips`.
fn metrics(clips: &[ClipResult], idx: &[usize]) -> [f64; 3] {
    let truth: Vec<Vec<bool>> = idx.iter().map(|&i| multi_hot(&clips[i].truth)).collect();
    let predicted: Vec<Vec<bool>> = idx.iter().map(|&i| multi_hot(&clips[i].predicted)).collect();
    let scores: Vec<Vec<f32>> = idx.iter().map(|&i| clips[i].scores.clone()).collect();
    let r = prf_report(&truth, &predicted, N_LABELS);
    [r.micro.f1, r.macro_.f1, lrap(&truth, &scores)]
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Compares `other` with `base` over `resamples` bootstrap resamples of their clips (seeded).
/// `None` when either has no per-clip results or they were not evaluated on the same clips
/// (same count and the same true labels in the same order).
pub fn paired(base: &[ClipResult], other: &[ClipResult], resamples: usize, seed: u64) -> Option<Paired> {
    let n = base.len();
    if n == 0 || other.len() != n || resamples == 0 || base.iter().zip(other).any(|(a, b)| a.truth != b.truth) {
        return None;
    }
    let all: Vec<usize> = (0..n).collect();
    let (b, o) = (metrics(base, &all), metrics(other, &all));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut deltas: [Vec<f64>; 3] = Default::default();
    for _ in 0..resamples {
        let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
        let (rb, ro) = (metrics(base, &idx), metrics(other, &idx));
        for k in 0..3 {
            deltas[k].push(ro[k] - rb[k]);
        }
    }
    let interval = |k: usize| {
        let mut d = deltas[k].clone();
        d.sort_by(f64::total_cmp);
        Interval { delta: o[k] - b[k], low: percentile(&d, 0.025), high: percentile(&d, 0.975) }
    };
    Some(Paired { micro_f1: interval(0), macro_f1: interval(1), lrap: interval(2) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(truth: usize, top: usize) -> ClipResult {
        let mut scores = vec![0.1; N_LABELS];
        scores[top] = 1.0;
        ClipResult { truth: vec![truth], scores, predicted: vec![top] }
    }

    /// 40 clips over four labels; clips `from..to` predicted correctly, the rest as label 5.
    fn run_range(from: usize, to: usize) -> Vec<ClipResult> {
        (0..40).map(|i| clip(i % 4, if (from..to).contains(&i) { i % 4 } else { 5 })).collect()
    }

    fn run(right: usize) -> Vec<ClipResult> {
        run_range(0, right)
    }

    #[test]
    fn a_run_against_itself_differs_by_exactly_zero() {
        let p = paired(&run(20), &run(20), 200, 1).unwrap();
        for i in [p.micro_f1, p.macro_f1, p.lrap] {
            assert_eq!((i.delta, i.low, i.high), (0.0, 0.0, 0.0));
            assert!(!i.cell().contains('*'));
        }
    }

    #[test]
    fn a_clearly_better_run_has_an_interval_above_zero_and_a_close_one_does_not() {
        let far = paired(&run(10), &run(35), 500, 1).unwrap();
        assert!(far.micro_f1.low > 0.0 && far.lrap.low > 0.0, "{far:?}");
        assert!(far.micro_f1.low <= far.micro_f1.delta && far.micro_f1.delta <= far.micro_f1.high);
        assert!(far.micro_f1.cell().ends_with(" *"), "{}", far.micro_f1.cell());
        // One clip better on balance, but each run gets a clip right that the other misses.
        let near = paired(&run(20), &run_range(1, 22), 500, 1).unwrap();
        assert!(near.micro_f1.low < 0.0 && near.micro_f1.high > 0.0, "{near:?}");
    }

    #[test]
    fn different_clips_are_not_compared() {
        assert!(paired(&run(20), &run(20)[..39], 10, 1).is_none());
        let mut other = run(20);
        other[0].truth = vec![3];
        assert!(paired(&run(20), &other, 10, 1).is_none());
        assert!(paired(&[], &[], 10, 1).is_none());
    }
}
