//! The mel filterbank, exactly as `librosa.filters.mel(htk=False, norm="slaney")` builds it.

/// Slaney scale: 200/3 Hz per mel up to 1 kHz (mel 15), then logarithmic, 27 mels per 6.4×.
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn logstep() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz → mel on the Slaney scale: linear below 1 kHz, logarithmic above.
pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / logstep()
    } else {
        hz / F_SP
    }
}

/// mel → Hz on the Slaney scale (inverse of [`hz_to_mel`]).
pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (logstep() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// One triangular mel filter, stored sparsely: `weights[k]` applies to FFT bin `first_bin + k`.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilter {
    pub first_bin: usize,
    pub weights: Vec<f64>,
}

/// The `n_mels` Slaney-normalised triangular filters over the `n_fft / 2 + 1` bins of an FFT of
/// length `n_fft` at `sample_rate`.
pub fn mel_filterbank(sample_rate: u32, n_fft: usize, n_mels: usize, fmin: f64, fmax: f64) -> Vec<MelFilter> {
    let n_bins = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..n_bins).map(|k| k as f64 * sample_rate as f64 / n_fft as f64).collect();
    let (mel_lo, mel_hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
    let edges: Vec<f64> =
        (0..n_mels + 2).map(|i| mel_to_hz(mel_lo + (mel_hi - mel_lo) * i as f64 / (n_mels + 1) as f64)).collect();
    edges
        .windows(3)
        .filter_map(|e| if let &[lo, mid, hi] = e { Some((lo, mid, hi)) } else { None })
        .map(|(lo, mid, hi)| {
            let enorm = 2.0 / (hi - lo);
            let dense: Vec<f64> = fft_freqs
                .iter()
                .map(|&f| {
                    let lower = (f - lo) / (mid - lo);
                    let upper = (hi - f) / (hi - mid);
                    lower.min(upper).max(0.0) * enorm
                })
                .collect();
            let first = dense.iter().position(|&w| w > 0.0).unwrap_or(0);
            let last = dense.iter().rposition(|&w| w > 0.0).map_or(first, |l| l + 1);
            MelFilter { first_bin: first, weights: dense.get(first..last).map_or_else(Vec::new, <[f64]>::to_vec) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_known_values() {
        // Values from librosa.hz_to_mel(…, htk=False).
        assert!((hz_to_mel(0.0) - 0.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(11_025.0) - 49.910_594_480_159_05).abs() < 1e-9);
    }

    #[test]
    fn mel_round_trip() {
        for hz in [0.0, 30.0, 999.0, 1000.0, 4321.0, 11_025.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9, "{hz}");
        }
    }

    #[test]
    fn filters_have_slaney_area_and_cover_the_band() {
        let fb = mel_filterbank(22_050, 1024, 128, 0.0, 11_025.0);
        assert_eq!(fb.len(), 128);
        // Slaney normalisation: each triangle has unit area in Hz (peak 2 / (hi - lo)), so a
        // filter sampled on enough bins sums to 1 / bin width; every filter is non-empty.
        let bin_hz = 22_050.0 / 1024.0;
        let mut wide = 0;
        for (m, f) in fb.iter().enumerate() {
            assert!(!f.weights.is_empty());
            assert!(f.weights.iter().all(|&w| w >= 0.0));
            if f.weights.len() >= 10 {
                let area = f.weights.iter().sum::<f64>() * bin_hz;
                assert!((area - 1.0).abs() < 0.05, "filter {m}: area {area}");
                wide += 1;
            }
        }
        assert!(wide >= 30, "{wide} filters span 10 bins or more");
        // The last filter reaches the top bins; the first starts at bin 0 or 1.
        assert!(fb[0].first_bin <= 1);
        let last = &fb[127];
        assert!(last.first_bin + last.weights.len() >= 500);
    }
}
