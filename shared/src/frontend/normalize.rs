//! Peak normalisation (paper III-A).

/// Divides by the largest absolute sample so the peak is 1. Silence stays silence: nothing is
/// divided by zero. Non-finite samples are ignored for the peak and set to 0.
pub fn peak_normalize(x: &mut [f32]) {
    // One branch-free pass (vectorised); NaN never wins `f32::max`, infinity is handled below.
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if !peak.is_finite() {
        x.iter_mut().filter(|v| !v.is_finite()).for_each(|v| *v = 0.0);
        return peak_normalize(x);
    }
    if peak == 0.0 {
        x.iter_mut().for_each(|v| *v = 0.0); // also clears NaN
        return;
    }
    let scale = 1.0 / peak;
    x.iter_mut().for_each(|v| *v *= scale);
    if x.iter().any(|v| v.is_nan()) {
        x.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_becomes_one() {
        let mut x = vec![0.25, -0.5, 0.1];
        peak_normalize(&mut x);
        assert_eq!(x, vec![0.5, -1.0, 0.2]);
    }

    #[test]
    fn silence_stays_zero() {
        let mut x = vec![0.0; 8];
        peak_normalize(&mut x);
        assert!(x.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn empty_is_fine() {
        let mut x: Vec<f32> = vec![];
        peak_normalize(&mut x);
        assert!(x.is_empty(), "no sample appears: {x:?}");
    }

    #[test]
    fn nan_only_and_inf_peaks() {
        let mut x = vec![f32::NAN, f32::NAN];
        peak_normalize(&mut x);
        assert_eq!(x, vec![0.0, 0.0]);
        let mut x = vec![f32::NEG_INFINITY, 0.25, -0.125];
        peak_normalize(&mut x);
        assert_eq!(x, vec![0.0, 1.0, -0.5]);
    }

    #[test]
    fn non_finite_samples_are_zeroed() {
        let mut x = vec![f32::NAN, 0.5, f32::INFINITY];
        peak_normalize(&mut x);
        assert_eq!(x, vec![0.0, 1.0, 0.0]);
    }
}
