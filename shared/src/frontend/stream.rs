//! The front end over a signal that arrives in pieces, in bounded memory: the same model windows,
//! to the bit, as decoding the whole file, [`peak_normalize`](super::peak_normalize),
//! [`LogMel::compute`] and [`Windows::cut`](super::Windows::cut). Peak normalisation needs the
//! peak before the first window, so a file is decoded twice: once for its peak, once for its
//! windows ([`windows_of_file`]).
use std::path::Path;

use super::logmel::FrameWork;
use super::{FrontEndParams, LevelMeter, LogMel, SpanFinder, WindowParams};
use crate::audio::{decode_file_stream, DecodeOptions, Decoded};
use crate::invariant::{slice, slice_mut};
use crate::Result;

/// Cuts a pushed signal into log-mel windows as soon as each is complete.
pub struct WindowStream {
    lm: LogMel,
    window: WindowParams,
    silence: f32,
    /// Multiplies each sample (1 / peak; 0 for silence).
    scale: f32,
    /// Samples from absolute index `base` on.
    samples: Vec<f32>,
    base: usize,
    pushed: usize,
    /// Log-mel rows (`n_mels` each) from frame `first_row` on.
    rows: Vec<f32>,
    first_row: usize,
    frames: usize,
    windows: usize,
    work: FrameWork,
    /// The level of each window, measured on the samples as pushed (before normalisation).
    meter: LevelMeter,
}

/// Receives each window (`frames × n_mels`, row-major) and its level in dBFS before
/// normalisation ([`LevelMeter::window_dbfs`]).
pub type Emit<'a> = dyn FnMut(&[f32], f32) -> Result<()> + 'a;

impl WindowStream {
    /// A stream for a signal whose largest finite |sample| is `peak`.
    pub fn new(params: &FrontEndParams, window: WindowParams, peak: f32) -> Result<Self> {
        let lm = LogMel::new(params)?;
        let work = lm.work();
        let scale = if peak > 0.0 && peak.is_finite() { 1.0 / peak } else { 0.0 };
        Ok(Self {
            lm,
            window,
            silence: params.silence(),
            scale,
            samples: Vec::new(),
            base: 0,
            pushed: 0,
            rows: Vec::new(),
            first_row: 0,
            frames: 0,
            windows: 0,
            work,
            meter: LevelMeter::new(params, window),
        })
    }

    /// Normalises the samples pushed from now on by `peak` instead (a live stream, whose peak
    /// is known only so far); samples already pushed keep their scale.
    pub fn set_peak(&mut self, peak: f32) {
        self.scale = if peak > 0.0 && peak.is_finite() { 1.0 / peak } else { 0.0 };
    }

    /// Windows emitted so far.
    pub fn windows(&self) -> usize {
        self.windows
    }

    /// Adds samples; `emit` gets each window completed by them and its level.
    pub fn push(&mut self, samples: &[f32], emit: &mut Emit<'_>) -> Result<()> {
        self.meter.push(samples);
        let scale = self.scale;
        // As peak_normalize: non-finite samples are 0, a product that is NaN is 0.
        self.samples.extend(samples.iter().map(|&x| if x.is_finite() { nan_to_zero(x * scale) } else { 0.0 }));
        self.pushed += samples.len();
        let (hop, half) = (self.lm.params().hop_length, self.lm.params().n_fft / 2);
        // Frame t is whole once samples up to t·hop + n_fft/2 are in.
        while self.frames * hop + half <= self.pushed {
            self.compute_frame();
        }
        self.emit_ready(emit)?;
        // Keep only the samples a later frame still reads.
        let keep_from = (self.frames * hop).saturating_sub(half);
        if keep_from > self.base {
            self.samples.drain(..(keep_from - self.base).min(self.samples.len()));
            self.base = keep_from;
        }
        Ok(())
    }

    /// Ends the signal: the last frames (with the centring's zero padding) and windows, padded
    /// with silence to one window for a clip shorter than that. Returns the frame count.
    pub fn finish(mut self, emit: &mut Emit<'_>) -> Result<usize> {
        let total = self.lm.frame_count(self.pushed);
        while self.frames < total {
            self.compute_frame();
        }
        self.emit_ready(emit)?;
        if self.windows == 0 {
            let mels = self.lm.params().n_mels;
            let mut w = vec![self.silence; self.window.frames * mels];
            let have = self.rows.len().min(w.len());
            slice_mut(&mut w, ..have, "the padded window").copy_from_slice(slice(
                &self.rows,
                ..have,
                "the rows so far",
            ));
            emit(&w, self.meter.window_dbfs(0))?;
        }
        Ok(self.frames)
    }

    fn compute_frame(&mut self) {
        let p = self.lm.params();
        let (hop, n_fft, mels) = (p.hop_length, p.n_fft, p.n_mels);
        let start = (self.frames * hop) as isize - (n_fft / 2) as isize;
        let (base, samples) = (self.base as isize, &self.samples);
        self.lm.frame(
            |i| {
                let j = start + i as isize;
                if j < 0 {
                    return None;
                }
                usize::try_from(j - base).ok().and_then(|k| samples.get(k)).copied()
            },
            &mut self.work,
        );
        let at = self.rows.len();
        self.rows.resize(at + mels, 0.0);
        self.lm.finish_frame(&mut self.work, slice_mut(&mut self.rows, at.., "the new frame's row"));
        self.frames += 1;
    }

    /// Emits every window whose frames are all computed, then drops rows no window needs.
    fn emit_ready(&mut self, emit: &mut Emit<'_>) -> Result<()> {
        let mels = self.lm.params().n_mels;
        let (len, hop) = (self.window.frames, self.window.hop_frames.max(1));
        while self.windows * hop + len <= self.frames {
            let first = (self.windows * hop - self.first_row) * mels;
            let level = self.meter.window_dbfs(self.windows);
            emit(slice(&self.rows, first..first + len * mels, "a ready window's rows"), level)?;
            self.windows += 1;
        }
        let needed = self.windows * hop;
        if needed > self.first_row && self.windows > 0 {
            let drop = ((needed - self.first_row) * mels).min(self.rows.len());
            self.rows.drain(..drop);
            self.first_row += drop / mels;
        }
        Ok(())
    }
}

fn nan_to_zero(x: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x
    }
}

/// The peak of a file's signal at the analysis rate (largest finite |sample|) and its audible
/// span at `floor_dbfs` ([`super::audible_span`]).
pub fn peak_of_file(
    path: &Path,
    params: &FrontEndParams,
    opts: &DecodeOptions,
    floor_dbfs: f32,
) -> Result<(f32, Option<std::ops::Range<usize>>)> {
    let mut peak = 0.0f32;
    let mut span = SpanFinder::new(floor_dbfs);
    decode_file_stream(path, params.sample_rate, opts, &mut |x| {
        peak = x.iter().filter(|v| v.is_finite()).fold(peak, |m, v| m.max(v.abs()));
        span.push(x);
        Ok(())
    })?;
    Ok((peak, span.span()))
}

/// A file streamed through the front end: the decode's facts, the spectrogram's frame count,
/// and the samples before the audible span (where the first window starts).
#[derive(Debug, Clone)]
pub struct StreamedFile {
    pub decoded: Decoded,
    pub frames: usize,
    /// The audible span, in samples at the analysis rate (the whole signal when nothing in it
    /// is audible).
    pub span: std::ops::Range<usize>,
}

/// The model windows of a file of any length, streamed as [`super::hear`] analyses a whole
/// signal: cut to its audible span at `floor_dbfs`, `emit` gets each window
/// (`frames × n_mels`) and its level in order; memory stays a few windows whatever the
/// duration. Decodes twice: once for the peak and the span, once for the windows.
pub fn windows_of_file(
    path: &Path,
    params: &FrontEndParams,
    window: WindowParams,
    opts: &DecodeOptions,
    floor_dbfs: f32,
    emit: &mut Emit<'_>,
) -> Result<StreamedFile> {
    let (peak, span) = peak_of_file(path, params, opts, floor_dbfs)?;
    let mut stream = WindowStream::new(params, window, peak)?;
    let mut at = 0usize;
    let decoded = decode_file_stream(path, params.sample_rate, opts, &mut |x| {
        let piece = at..at + x.len();
        at += x.len();
        let Some(span) = &span else { return stream.push(x, emit) };
        let (from, to) = (span.start.max(piece.start), span.end.min(piece.end));
        match from < to {
            true => stream.push(
                crate::invariant::slice(x, from - piece.start..to - piece.start, "the audible part of a piece"),
                emit,
            ),
            false => Ok(()),
        }
    })?;
    let frames = stream.finish(emit)?;
    let span = span.unwrap_or(0..at);
    Ok(StreamedFile { decoded, frames, span })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::{peak_normalize, Windows};

    fn signal(n: usize) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 * 0.013).sin() * 0.6 + (i as f32 * 0.0007).cos() * 0.3) * 0.8).collect()
    }

    /// The whole-signal front end, as the server computes it.
    fn whole(x: &[f32]) -> Vec<f32> {
        let p = FrontEndParams::default();
        let mut y = x.to_vec();
        peak_normalize(&mut y);
        let spec = LogMel::new(&p).unwrap().compute(&y);
        Windows::cut(spec.view(), &WindowParams::default(), p.silence()).data.into_raw_vec_and_offset().0
    }

    fn streamed(x: &[f32], piece: usize) -> Vec<f32> {
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let mut s = WindowStream::new(&FrontEndParams::default(), WindowParams::default(), peak).unwrap();
        let mut out = Vec::new();
        for chunk in x.chunks(piece.max(1)) {
            s.push(chunk, &mut |w, _| {
                out.extend_from_slice(w);
                Ok(())
            })
            .unwrap();
        }
        s.finish(&mut |w, _| {
            out.extend_from_slice(w);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn streamed_windows_equal_the_whole_signals_to_the_bit() {
        // Shorter than a window, exactly one, a few, and a long one; pieces of odd sizes.
        for n in [0, 100, 21_000, 22_016, 22_528, 50_000, 220_500] {
            let x = signal(n);
            let want = whole(&x);
            for piece in [1, 333, 4096, 100_000] {
                if n > 50_000 && piece == 1 {
                    continue;
                }
                let got = streamed(&x, piece);
                assert_eq!(got.len(), want.len(), "n {n} piece {piece}");
                assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "n {n} piece {piece}");
            }
        }
    }

    #[test]
    fn silence_and_non_finite_samples_match_too() {
        let x = vec![0.0f32; 30_000];
        assert_eq!(streamed(&x, 777), whole(&x));
        let mut x = signal(30_000);
        x[10] = f32::NAN;
        x[20] = f32::INFINITY;
        let peak = x.iter().filter(|v| v.is_finite()).fold(0.0f32, |m, v| m.max(v.abs()));
        let mut s = WindowStream::new(&FrontEndParams::default(), WindowParams::default(), peak).unwrap();
        let mut got = Vec::new();
        let mut keep = |w: &[f32], _| {
            got.extend_from_slice(w);
            Ok(())
        };
        s.push(&x, &mut keep).unwrap();
        s.finish(&mut keep).unwrap();
        let want = whole(&x);
        assert_eq!(got.len(), want.len(), "as many windows as the whole signal's");
        assert!(!got.is_empty());
        assert!(got.iter().zip(want).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn streamed_levels_equal_the_whole_signals() {
        use crate::frontend::window_levels;
        let (p, w) = (FrontEndParams::default(), WindowParams::default());
        for n in [0, 4_410, 22_016, 50_000, 220_500] {
            // Loud, then silent, then quiet: every window's own level.
            let mut x = signal(n);
            x.iter_mut().enumerate().for_each(|(i, v)| *v *= [1.0, 0.0, 1e-3][i * 3 / n.max(1)]);
            let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let mut s = WindowStream::new(&p, w, peak).unwrap();
            let mut got = Vec::new();
            let mut keep = |_: &[f32], level| {
                got.push(level);
                Ok(())
            };
            for c in x.chunks(3_001) {
                s.push(c, &mut keep).unwrap();
            }
            s.finish(&mut keep).unwrap();
            assert_eq!(got, window_levels(&x, &p, w, got.len()), "n {n}");
            assert_eq!(got.len(), whole(&x).len() / (w.frames * p.n_mels), "n {n}");
        }
    }

    #[test]
    fn memory_stays_bounded_on_a_long_signal() {
        let p = FrontEndParams::default();
        let mut s = WindowStream::new(&p, WindowParams::default(), 1.0).unwrap();
        let piece = signal(4096);
        let mut windows = 0;
        for _ in 0..2_000 {
            s.push(&piece, &mut |_, _| {
                windows += 1;
                Ok(())
            })
            .unwrap();
            assert!(s.samples.len() <= 4096 + p.n_fft, "{}", s.samples.len());
            assert!(s.rows.len() <= 2 * 43 * p.n_mels, "{}", s.rows.len());
        }
        assert!(windows > 700, "{windows}");
    }
}
