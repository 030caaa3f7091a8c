//! Centred STFT, magnitude, mel projection and log: `ln(librosa.feature.melspectrogram(...) + ε)`.

use std::sync::Arc;

use ndarray::Array2;
use realfft::{RealFftPlanner, RealToComplex};

use super::{mel_filterbank, FrontEndParams, MelFilter};
use crate::Result;

/// A reusable log-mel extractor (FFT plan, window and filterbank built once).
///
/// Arithmetic is in f64 and the result is rounded to f32, so the output is the exact log-mel
/// to f32 precision (the librosa parity test relies on this).
pub struct LogMel {
    params: FrontEndParams,
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    filters: Vec<MelFilter>,
}

impl LogMel {
    pub fn new(params: &FrontEndParams) -> Result<Self> {
        params.validate()?;
        let n = params.n_fft;
        // Periodic Hann, as scipy.signal.get_window("hann", n, fftbins=True).
        let window = (0..n).map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos()).collect();
        Ok(Self {
            fft: RealFftPlanner::<f64>::new().plan_fft_forward(n),
            window,
            filters: mel_filterbank(params.sample_rate, n, params.n_mels, params.fmin, params.fmax),
            params: params.clone(),
        })
    }

    pub fn params(&self) -> &FrontEndParams {
        &self.params
    }

    /// Number of frames of a signal of `len` samples: `1 + len / hop` (centred frames).
    pub fn frame_count(&self, len: usize) -> usize {
        1 + len / self.params.hop_length
    }

    /// Log-mel spectrogram of `signal` (already at the analysis rate): frames × n_mels.
    pub fn compute(&self, signal: &[f32]) -> Array2<f32> {
        let p = &self.params;
        let mut out = Array2::<f32>::zeros((self.frame_count(signal.len()), p.n_mels));
        let mut work = self.work();
        for (t, mut row) in out.outer_iter_mut().enumerate() {
            // Frame t covers padded samples [t*hop, t*hop + n_fft), i.e. signal samples shifted
            // left by n_fft / 2; samples outside the signal are the zero padding.
            let start = (t * p.hop_length) as isize - (p.n_fft / 2) as isize;
            match usize::try_from(start).ok().and_then(|s| signal.get(s..s + p.n_fft)) {
                Some(whole) => self.frame_of(whole, &mut work),
                None => self.frame(
                    |i| usize::try_from(start + i as isize).ok().and_then(|j| signal.get(j)).copied(),
                    &mut work,
                ),
            }
            self.finish_frame(
                &mut work,
                crate::invariant::some(row.as_slice_mut(), "a row of a standard-layout spectrogram"),
            );
        }
        out
    }

    /// Buffers for [`frame`](Self::frame) and [`finish_frame`](Self::finish_frame).
    pub(crate) fn work(&self) -> FrameWork {
        FrameWork {
            input: self.fft.make_input_vec(),
            spectrum: self.fft.make_output_vec(),
            scratch: self.fft.make_scratch_vec(),
            magnitude: vec![0.0; self.params.n_fft / 2 + 1],
        }
    }

    /// Loads one windowed frame: `sample(i)` is the i-th of its `n_fft` samples, `None` outside
    /// the signal (the centring's zero padding).
    pub(crate) fn frame(&self, sample: impl Fn(usize) -> Option<f32>, work: &mut FrameWork) {
        for (i, (slot, &w)) in work.input.iter_mut().zip(&self.window).enumerate() {
            *slot = sample(i).map_or(0.0, |x| x as f64) * w;
        }
    }

    /// Loads one windowed frame of `n_fft` samples all inside the signal (the same numbers as
    /// [`frame`](Self::frame), without a branch per sample).
    pub(crate) fn frame_of(&self, samples: &[f32], work: &mut FrameWork) {
        for ((slot, &x), &w) in work.input.iter_mut().zip(samples).zip(&self.window) {
            *slot = x as f64 * w;
        }
    }

    /// The log-mel row of the frame loaded by [`frame`](Self::frame).
    pub(crate) fn finish_frame(&self, work: &mut FrameWork, row: &mut [f32]) {
        let p = &self.params;
        let eps = p.log_epsilon;
        // Input and output lengths come from the plan, so this cannot fail.
        if self.fft.process_with_scratch(&mut work.input, &mut work.spectrum, &mut work.scratch).is_err() {
            row.fill(p.log_epsilon.ln() as f32);
            return;
        }
        // Not `c.norm()`: its overflow-safe hypot is 10× slower and not needed here. The
        // power branch stays outside the loop, or LLVM turns it into a `pow` call per bin.
        for (m, c) in work.magnitude.iter_mut().zip(&work.spectrum) {
            *m = (c.re * c.re + c.im * c.im).sqrt();
        }
        if p.power != 1.0 {
            work.magnitude.iter_mut().for_each(|m| *m = m.powf(p.power));
        }
        for (v, f) in row.iter_mut().zip(&self.filters) {
            let bins =
                crate::invariant::slice(&work.magnitude, f.first_bin..f.first_bin + f.weights.len(), "mel filter bins");
            let mel: f64 = bins.iter().zip(&f.weights).map(|(a, w)| a * w).sum();
            // The sum needs f64 (see the parity test); the log does not: f32 ln of the
            // rounded sum adds ≤ 1e-7 absolute error and costs half as much.
            *v = ((mel + eps) as f32).ln();
        }
    }
}

/// Scratch of one frame's FFT.
pub(crate) struct FrameWork {
    input: Vec<f64>,
    spectrum: Vec<realfft::num_complex::Complex<f64>>,
    scratch: Vec<realfft::num_complex::Complex<f64>>,
    magnitude: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, seconds: f64) -> Vec<f32> {
        test_support::sine(22_050, 1, freq, 1.0, seconds)
    }

    #[test]
    fn frame_count_is_librosas() {
        let lm = LogMel::new(&FrontEndParams::default()).unwrap();
        assert_eq!(lm.compute(&tone(440.0, 1.0)).dim(), (1 + 22_050 / 512, 128));
        assert_eq!(lm.compute(&[]).dim(), (1, 128));
    }

    #[test]
    fn silence_is_ln_epsilon_everywhere() {
        let p = FrontEndParams::default();
        let lm = LogMel::new(&p).unwrap();
        let s = lm.compute(&vec![0.0; 5000]);
        assert!(s.iter().all(|&v| v == p.silence()));
    }

    #[test]
    fn a_tone_peaks_in_its_mel_band() {
        let p = FrontEndParams::default();
        let lm = LogMel::new(&p).unwrap();
        let s = lm.compute(&tone(1000.0, 1.0));
        let row = s.row(20);
        let peak = row.iter().enumerate().fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
        // Band centres are evenly spaced in Slaney mel; 1 kHz is mel 15 of 0..48.48 over 129 gaps.
        let expected = (15.0 / super::super::hz_to_mel(11_025.0) * 129.0).round() as usize - 1;
        assert!((peak.0 as isize - expected as isize).abs() <= 1, "peak band {} vs {}", peak.0, expected);
    }
}
