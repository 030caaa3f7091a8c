//! Peak normalisation (paper III-A).

/// Divides by the largest absolute sample so the peak is 1. Silence stays silence: nothing is
/// divided by zero. Non-finite samples are ignored for the peak and set to 0.
pub fn peak_normalize(x: &mut [f32]) {
    let peak = x
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f32, |m, v| m.max(v.abs()));
    if peak == 0.0 {
        x.iter_mut().filter(|v| !v.is_finite()).for_each(|v| *v = 0.0);
        return;
    }
    let scale = 1.0 / peak;
    for v in x.iter_mut() {
        *v = if v.is_finite() { *v * scale } else { 0.0 };
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
    }

    #[test]
    fn non_finite_samples_are_zeroed() {
        let mut x = vec![f32::NAN, 0.5, f32::INFINITY];
        peak_normalize(&mut x);
        assert_eq!(x, vec![0.0, 1.0, 0.0]);
    }
}
