//! Timbre augmentation (beyond the paper), applied to each training batch after mixing:
//!
//! - **Random equalisation**: every window's log-mel gets a smooth random curve across the mel
//!   bands (a sum of the first four cosines, scaled to a peak of up to `eq_db` dB). The network
//!   trains on a few sample banks and is tested on unseen banks and real recordings, whose
//!   instruments, microphones and rooms colour the spectrum differently; re-colouring the
//!   training windows asks it to rely on what survives colouring.
//! - **SpecAugment masks** (Park et al. 2019): one band of up to `freq_mask` mel bands and one
//!   stretch of up to `time_mask` frames per window are set to the window's mean, so no single
//!   band or moment decides.
//!
//! Validation and test windows are never augmented.
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tch::{Kind, Tensor};

/// What [`augment_batch`] does; all zero is the paper's recipe (no augmentation).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Augment {
    /// Largest peak of the random equalisation curve in dB (0: off).
    pub eq_db: f64,
    /// Widest frequency mask in mel bands (0: off).
    pub freq_mask: usize,
    /// Longest time mask in frames (0: off).
    pub time_mask: usize,
}

impl Augment {
    pub fn is_off(&self) -> bool {
        self.eq_db <= 0.0 && self.freq_mask == 0 && self.time_mask == 0
    }
}

/// Cosine terms of the equalisation curve; four give tilts, humps and dips an octave or more wide
/// on the mel axis, never a comb.
const EQ_TERMS: usize = 4;

/// One random curve over `mels` bands with its peak magnitude drawn from `[0, max_db]` dB,
/// returned in natural-log amplitude units (the inputs are `ln(mel + ε)` of magnitudes).
fn eq_curve(mels: usize, max_db: f64, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let coeffs: Vec<f64> = (0..EQ_TERMS).map(|_| rng.random_range(-1.0..=1.0)).collect();
    let raw: Vec<f64> = (0..mels)
        .map(|m| {
            let pos = m as f64 / (mels.max(2) - 1) as f64;
            coeffs.iter().enumerate().map(|(k, c)| c * (std::f64::consts::PI * (k + 1) as f64 * pos).cos()).sum()
        })
        .collect();
    let peak = raw.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let db = rng.random_range(0.0..=max_db);
    let scale = if peak > 0.0 { db / peak * std::f64::consts::LN_10 / 20.0 } else { 0.0 };
    raw.iter().map(|v| (v * scale) as f32).collect()
}

/// A mask of `len` entries with one run of `0..=max_width` ones at a random place.
fn mask_run(len: usize, max_width: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let mut mask = vec![0.0f32; len];
    let width = rng.random_range(0..=max_width.min(len));
    if width > 0 {
        let start = rng.random_range(0..=len - width);
        mask[start..start + width].fill(1.0);
    }
    mask
}

/// Augments a batch `x` (`n × 1 × frames × mels`, log-mel); returns it unchanged when
/// `aug.is_off()`. Deterministic for a given `rng` state.
pub fn augment_batch(x: &Tensor, aug: &Augment, rng: &mut ChaCha8Rng) -> Tensor {
    if aug.is_off() {
        return x.shallow_clone();
    }
    let size = x.size();
    let (n, frames, mels) = (size[0], size[2] as usize, size[3] as usize);
    let device = x.device();
    // A new tensor, never `x` changed in place (`+=` would write into the caller's batch).
    let mut out = if aug.eq_db > 0.0 {
        let curves: Vec<f32> = (0..n).flat_map(|_| eq_curve(mels, aug.eq_db, rng)).collect();
        x + Tensor::from_slice(&curves).to_device(device).view([n, 1, 1, mels as i64])
    } else {
        x.shallow_clone()
    };
    if aug.freq_mask > 0 || aug.time_mask > 0 {
        let f: Vec<f32> = (0..n).flat_map(|_| mask_run(mels, aug.freq_mask, rng)).collect();
        let t: Vec<f32> = (0..n).flat_map(|_| mask_run(frames, aug.time_mask, rng)).collect();
        let f = Tensor::from_slice(&f).to_device(device).view([n, 1, 1, mels as i64]);
        let t = Tensor::from_slice(&t).to_device(device).view([n, 1, frames as i64, 1]);
        // A cell is masked when its band or its frame is (the masks broadcast to the window).
        let keep = f.maximum(&t).eq(0.0);
        let mean = out.mean_dim(&[1i64, 2, 3][..], true, Kind::Float);
        out = out.where_self(&keep, &mean);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn batch() -> Tensor {
        Tensor::arange(2 * 43 * 128, (Kind::Float, tch::Device::Cpu)).view([2, 1, 43, 128]) / 1000.0
    }

    #[test]
    fn off_leaves_the_batch_alone() {
        let x = batch();
        assert!(augment_batch(&x, &Augment::default(), &mut ChaCha8Rng::seed_from_u64(1)).equal(&x));
    }

    #[test]
    fn equalisation_adds_one_smooth_curve_per_window_within_its_bound() {
        let x = batch();
        let aug = Augment { eq_db: 6.0, ..Default::default() };
        let d = augment_batch(&x, &aug, &mut ChaCha8Rng::seed_from_u64(3)) - &x;
        let bound = 6.0 * std::f64::consts::LN_10 / 20.0 + 1e-5;
        for w in 0..2 {
            // The same curve in every frame of a window…
            let first = d.get(w).get(0).get(0);
            assert!(d.get(w).get(0).allclose(&first.expand_as(&d.get(w).get(0)), 1e-5, 1e-6, false));
            // …bounded by eq_db, and smooth: neighbouring bands differ little.
            let c: Vec<f32> = Vec::try_from(first).unwrap();
            assert!(c.iter().all(|v| (v.abs() as f64) <= bound), "window {w}: {c:?}");
            assert!(c.windows(2).all(|p| (p[1] - p[0]).abs() < 0.1));
        }
        // Two windows get different curves.
        assert!(!d.get(0).allclose(&d.get(1), 1e-6, 1e-6, false));
    }

    #[test]
    fn masks_set_one_band_and_one_stretch_to_the_window_mean() {
        let x = batch();
        let aug = Augment { freq_mask: 16, time_mask: 8, ..Default::default() };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let out = augment_batch(&x, &aug, &mut rng);
        for w in 0..2 {
            let mean = x.get(w).mean(Kind::Float).double_value(&[]);
            let changed = out.get(w).ne_tensor(&x.get(w));
            let n_changed = changed.sum(Kind::Int64).int64_value(&[]);
            // At most a 16-band stripe plus an 8-frame stripe of 43 × 128 cells.
            assert!(n_changed <= 16 * 43 + 8 * 128, "window {w}: {n_changed}");
            let at_mean = out.get(w).masked_select(&changed);
            assert!(at_mean.allclose(&at_mean.full_like(mean), 1e-4, 1e-4, false));
        }
        assert!(out.ne_tensor(&x).any().int64_value(&[]) == 1, "nothing masked for this seed");
    }
}
