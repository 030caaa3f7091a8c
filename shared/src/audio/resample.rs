//! Streaming band-limited resampling (rubato's synchronous FFT resampler).

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler, WindowFunction};

use crate::{Error, Result};

/// Input frames per resampler call: large enough to amortise the FFTs, small enough that the
/// pending input stays a few kilobytes.
const CHUNK: usize = 4096;
/// FFT blocks per chunk. Measured on 30 s of 44.1 kHz music (examples/stages.rs): 2 to 4 are
/// fastest (4.1 ms); 1 and 16 cost 20-45% more. Larger blocks also filter more sharply.
const SUB_CHUNKS: usize = 4;

/// Resamples a mono stream pushed in pieces of any size; [`finish`](Self::finish) returns the
/// whole resampled signal, aligned with the input (the resampler's delay trimmed off) and
/// `ceil(n_in * to / from)` samples long. When the rates are equal the samples pass through.
pub struct StreamResampler {
    inner: Option<Fft<f32>>,
    ratio: f64,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    out: Vec<f32>,
    to_trim: usize,
    total_in: usize,
    /// Output samples already handed out by [`take_output`](Self::take_output).
    taken: usize,
}

fn resample_error(e: impl std::fmt::Display) -> Error {
    Error::Resample(e.to_string())
}

impl StreamResampler {
    pub fn new(from_rate: u32, to_rate: u32) -> Result<Self> {
        if from_rate == 0 || to_rate == 0 {
            return Err(Error::ZeroSampleRate);
        }
        let inner = if from_rate == to_rate {
            None
        } else {
            let r = Fft::<f32>::new_custom(
                from_rate as usize,
                to_rate as usize,
                CHUNK,
                SUB_CHUNKS,
                1,
                WindowFunction::BlackmanHarris2,
                FixedSync::Input,
            )
            .map_err(resample_error)?;
            Some(r)
        };
        let (to_trim, scratch) = match &inner {
            Some(r) => (r.output_delay(), vec![0.0; r.output_frames_max()]),
            None => (0, vec![]),
        };
        Ok(Self {
            inner,
            ratio: to_rate as f64 / from_rate as f64,
            pending: Vec::new(),
            scratch,
            out: Vec::new(),
            to_trim,
            total_in: 0,
            taken: 0,
        })
    }

    /// Number of output samples the whole input pushed so far will resample to.
    pub fn expected_output_len(&self) -> usize {
        (self.total_in as f64 * self.ratio).ceil() as usize
    }

    /// Reserves room for the output of `input_frames` more input samples (avoids regrowing a
    /// large output vector when the input length is known up front).
    pub fn reserve_for_input(&mut self, input_frames: usize) {
        let n = (input_frames as f64 * self.ratio).ceil() as usize + 16;
        self.out.reserve(n.saturating_sub(self.out.capacity() - self.out.len()));
    }

    /// Resampled samples produced so far (the rest is still inside the resampler).
    pub fn output(&self) -> &[f32] {
        &self.out
    }

    /// Moves the output produced so far to the end of `into` (for streaming: the resampler
    /// then holds only its pending input). [`finish`](Self::finish) returns the rest.
    pub fn take_output(&mut self, into: &mut Vec<f32>) {
        self.taken += self.out.len();
        into.append(&mut self.out);
    }

    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        self.total_in += samples.len();
        if self.inner.is_none() {
            self.out.extend_from_slice(samples);
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.extend_from_slice(samples);
        let mut consumed = 0;
        let result = loop {
            let need = self.inner.as_ref().map_or(usize::MAX, |r| r.input_frames_next());
            let Some(chunk) = pending.get(consumed..consumed + need) else {
                break Ok(());
            };
            match self.process(chunk, None) {
                Ok(used) => consumed += used,
                Err(e) => break Err(e),
            }
        };
        pending.drain(..consumed);
        self.pending = pending;
        result
    }

    /// Runs one resampler call on `input` (`partial` valid frames if given) and keeps its output.
    fn process(&mut self, input: &[f32], partial: Option<usize>) -> Result<usize> {
        let Some(r) = self.inner.as_mut() else { return Ok(input.len()) };
        let n_in = input.len();
        let adapter_in = InterleavedSlice::new(input, 1, n_in).map_err(resample_error)?;
        let n_out_max = self.scratch.len();
        let mut adapter_out = InterleavedSlice::new_mut(&mut self.scratch[..], 1, n_out_max).map_err(resample_error)?;
        let indexing = partial.map(|p| Indexing { partial_len: Some(p), ..Indexing::new() });
        let (used, produced) =
            r.process_into_buffer(&adapter_in, &mut adapter_out, indexing.as_ref()).map_err(resample_error)?;
        let trim = self.to_trim.min(produced);
        self.to_trim -= trim;
        self.out.extend_from_slice(crate::invariant::slice(&self.scratch, trim..produced, "the resampler's output"));
        Ok(used)
    }

    /// Flushes the resampler and returns the resampled signal (what
    /// [`take_output`](Self::take_output) has not handed out yet).
    pub fn finish(mut self) -> Result<Vec<f32>> {
        let expected = self.expected_output_len().saturating_sub(self.taken);
        if let Some(need) = self.inner.as_ref().map(|r| r.input_frames_next()) {
            let mut last = std::mem::take(&mut self.pending);
            let valid = last.len();
            last.resize(need.max(valid), 0.0);
            if valid > 0 {
                self.process(&last, Some(valid))?;
            }
            last.iter_mut().for_each(|x| *x = 0.0);
            while self.out.len() < expected {
                self.process(&last, Some(0))?;
            }
        }
        self.out.truncate(expected);
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f32, seconds: f32) -> Vec<f32> {
        test_support::sine(rate, 1, f64::from(freq), 1.0, f64::from(seconds))
    }

    fn resample_in_pieces(x: &[f32], from: u32, to: u32, piece: usize) -> Vec<f32> {
        let mut r = StreamResampler::new(from, to).unwrap();
        for p in x.chunks(piece) {
            r.push(p).unwrap();
        }
        r.finish().unwrap()
    }

    #[test]
    fn equal_rates_pass_through() {
        let x = sine(22_050, 440.0, 0.1);
        assert_eq!(resample_in_pieces(&x, 22_050, 22_050, 100), x);
    }

    #[test]
    fn output_length_follows_the_ratio() {
        for (from, to) in [(44_100, 22_050), (48_000, 22_050), (8_000, 22_050), (96_000, 22_050)] {
            let x = sine(from, 440.0, 1.3);
            let y = resample_in_pieces(&x, from, to, 777);
            let expected = (x.len() as f64 * to as f64 / from as f64).ceil() as usize;
            assert_eq!(y.len(), expected, "{from} -> {to}");
        }
    }

    #[test]
    fn a_sine_keeps_its_phase_and_amplitude() {
        // 440 Hz at 48 kHz resampled to 22,050 Hz must be the same 440 Hz sine, away from the
        // edges, shifted by less than one output sample (the resampler's delay is trimmed to
        // whole samples) and with the same amplitude.
        for from in [48_000, 44_100, 8_000, 96_000] {
            let y = resample_in_pieces(&sine(from, 440.0, 1.0), from, 22_050, 1000);
            let best = (-20..=20)
                .map(|k| {
                    let shift = k as f32 / 20.0;
                    let err = (2000..20_000)
                        .map(|i| {
                            let t = (i as f32 - shift) / 22_050.0;
                            (y[i] - (2.0 * std::f32::consts::PI * 440.0 * t).sin()).abs()
                        })
                        .fold(0.0f32, f32::max);
                    (err, shift)
                })
                .fold((f32::MAX, 0.0), |a, b| if b.0 < a.0 { b } else { a });
            assert!(best.0 < 2e-3, "{from} Hz: max error {} at shift {}", best.0, best.1);
        }
    }

    #[test]
    fn content_above_the_new_nyquist_is_removed() {
        // 15 kHz cannot exist at 22,050 Hz; a linear interpolator would alias it to 7,050 Hz.
        let y = resample_in_pieces(&sine(48_000, 15_000.0, 1.0), 48_000, 22_050, 4096);
        let rms = (y[2000..20_000].iter().map(|v| v * v).sum::<f32>() / 18_000.0).sqrt();
        assert!(rms < 1e-3, "rms {rms}");
    }

    #[test]
    fn piece_size_does_not_change_the_result() {
        let x = sine(44_100, 1000.0, 0.7);
        let a = resample_in_pieces(&x, 44_100, 22_050, 1);
        let b = resample_in_pieces(&x, 44_100, 22_050, 100_000);
        assert_eq!(a, b);
    }

    #[test]
    fn short_and_empty_inputs() {
        assert!(resample_in_pieces(&[], 44_100, 22_050, 10).is_empty());
        let y = resample_in_pieces(&[1.0; 10], 44_100, 22_050, 10);
        assert_eq!(y.len(), 5);
    }
}
