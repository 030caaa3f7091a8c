//! Mixing augmentation (beyond the paper): a share of each batch's windows get another window of
//! the batch added to them, and the union of both targets. IRMAS's test excerpts hold one to
//! three predominant instruments while its training excerpts are labelled with one; mixing
//! shows the network multi-instrument sound with multi-label targets.
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use tch::{Kind, Tensor};

/// Returns `(x, y)` where each window, with probability `p`, is summed with a random partner
/// window of the batch at an amplitude gain in `[0.5, 1]` in the linear mel-power domain (the
/// inputs are `ln(mel + ε)`), rescaled so the loudness stays comparable, and its target is the
/// union of both. `p = 0` returns the batch unchanged.
pub fn mix_batch(x: &Tensor, y: &Tensor, p: f64, rng: &mut ChaCha8Rng) -> (Tensor, Tensor) {
    let n = y.size()[0];
    if p <= 0.0 || n < 2 {
        return (x.shallow_clone(), y.shallow_clone());
    }
    let mut partner = Vec::with_capacity(n as usize);
    let mut power = Vec::with_capacity(n as usize);
    for i in 0..n {
        // A partner other than the window itself.
        let j = (i + rng.random_range(1..n)) % n;
        partner.push(j);
        let gain: f64 = if rng.random_bool(p.min(1.0)) { rng.random_range(0.5..=1.0) } else { 0.0 };
        power.push((gain * gain) as f32);
    }
    let device = x.device();
    let idx = Tensor::from_slice(&partner).to_device(device);
    let g2 = Tensor::from_slice(&power).to_device(device);
    let lin = x.exp();
    let mixed = (&lin + lin.index_select(0, &idx) * g2.view([n, 1, 1, 1])) / (g2.view([n, 1, 1, 1]) + 1.0);
    let mask = g2.gt(0.0).to_kind(Kind::Float).view([n, 1]);
    let y_mixed = y.maximum(&(y.index_select(0, &idx) * mask));
    (mixed.log(), y_mixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn batch() -> (Tensor, Tensor) {
        let x = Tensor::from_slice(&[0.0f32, 1.0, 2.0, 3.0]).view([4, 1, 1, 1]);
        let y = Tensor::eye(4, (Kind::Float, tch::Device::Cpu));
        (x, y)
    }

    #[test]
    fn p_zero_leaves_the_batch_alone() {
        let (x, y) = batch();
        let (mx, my) = mix_batch(&x, &y, 0.0, &mut ChaCha8Rng::seed_from_u64(1));
        assert!(mx.equal(&x) && my.equal(&y));
    }

    #[test]
    fn p_one_mixes_every_window_in_the_power_domain_with_the_union_of_targets() {
        let (x, y) = batch();
        let (mx, my) = mix_batch(&x, &y, 1.0, &mut ChaCha8Rng::seed_from_u64(1));
        for i in 0..4 {
            let v = mx.double_value(&[i, 0, 0, 0]);
            let own = x.double_value(&[i, 0, 0, 0]);
            // A weighted mean of two exponentials lies between them, and never equals the
            // window's own value (every partner differs from it here).
            assert!((0.0..=3.0).contains(&v) && (v - own).abs() > 1e-3, "window {i}: {v}");
            // Each window has its own label, so the union holds two: its own and its partner's.
            assert_eq!(my.double_value(&[i, i]), 1.0);
            assert_eq!(my.sum_dim_intlist(1, false, Kind::Float).double_value(&[i]), 2.0);
        }
    }
}
