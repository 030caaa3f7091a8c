//! Label smoothing (Szegedy et al. 2016; beyond the paper): each binary training target is pulled
//! towards ½ by `ε`, so a present label's target is `1 − ε/2` and an absent one's `ε/2`. The
//! network is asked for bounded logits instead of ever larger ones on the training performers,
//! which may carry better to recordings it has never heard. Validation targets stay hard.
use tch::Tensor;

/// `y · (1 − ε) + ε/2`; `ε = 0` returns the targets unchanged.
pub fn smooth_targets(y: &Tensor, epsilon: f64) -> Tensor {
    if epsilon <= 0.0 {
        return y.shallow_clone();
    }
    y * (1.0 - epsilon) + epsilon / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    #[test]
    fn zero_leaves_the_targets_alone() {
        let y = Tensor::eye(3, (Kind::Float, tch::Device::Cpu));
        assert!(smooth_targets(&y, 0.0).equal(&y));
    }

    #[test]
    fn present_labels_go_to_one_minus_half_epsilon_and_absent_ones_to_half_epsilon() {
        let y = Tensor::eye(3, (Kind::Float, tch::Device::Cpu));
        let s = smooth_targets(&y, 0.1);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 0.95 } else { 0.05 };
                assert!((s.double_value(&[i, j]) - want).abs() < 1e-6, "({i}, {j})");
            }
        }
    }
}
