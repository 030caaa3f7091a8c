//! Mean downmix of interleaved frames, with non-finite samples treated as silence.

/// Appends the mean of each frame of `interleaved` (of `channels` channels) to `out`.
///
/// NaN and infinite samples (possible in float WAV files) count as 0, so one bad sample cannot
/// poison the peak normalisation of the whole clip.
pub fn downmix_interleaved(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    if channels == 0 {
        return;
    }
    let clean = |x: f32| if x.is_finite() { x } else { 0.0 };
    if channels == 1 {
        out.extend(interleaved.iter().map(|&x| clean(x)));
        return;
    }
    let scale = 1.0 / channels as f32;
    out.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().map(|&x| clean(x)).sum::<f32>() * scale),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_is_copied() {
        let mut out = vec![];
        downmix_interleaved(&[0.5, -0.25], 1, &mut out);
        assert_eq!(out, vec![0.5, -0.25]);
    }

    #[test]
    fn stereo_is_the_mean() {
        let mut out = vec![];
        downmix_interleaved(&[1.0, 0.0, 0.5, -0.5, -1.0, -1.0], 2, &mut out);
        assert_eq!(out, vec![0.5, 0.0, -1.0]);
    }

    #[test]
    fn many_channels_are_averaged() {
        let frame: Vec<f32> = (0..64).map(|c| c as f32).collect();
        let mut out = vec![];
        downmix_interleaved(&frame, 64, &mut out);
        assert_eq!(out, vec![31.5]);
    }

    #[test]
    fn non_finite_samples_count_as_silence() {
        let mut out = vec![];
        downmix_interleaved(&[f32::NAN, 1.0, f32::INFINITY, f32::NEG_INFINITY], 2, &mut out);
        assert_eq!(out, vec![0.5, 0.0]);
    }

    #[test]
    fn zero_channels_yield_nothing() {
        let mut out = vec![];
        downmix_interleaved(&[1.0, 2.0], 0, &mut out);
        assert!(out.is_empty());
    }
}
