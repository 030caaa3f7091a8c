//! How loud each model window is before normalisation, and whether it is audible at all.
//!
//! Peak normalisation lifts any signal to full scale, so after it hiss reads as loud as music.
//! The level is therefore measured on the signal as it arrived (after decoding and resampling,
//! before normalisation): the RMS of the samples a window covers, in dBFS. A window whose level
//! is below the audible floor is silent: it is not scored into the answer. Because the level is
//! each window's own, a click elsewhere in the file changes no other window's judgement.
use super::{FrontEndParams, WindowParams};

/// The default audible floor: windows below −60 dBFS RMS are silent. Quiet classical passages
/// sit around −40 to −30 dBFS RMS and a 16-bit recording's own noise floor near −90, so this
/// keeps every quiet passage while room hiss, dither and digital silence stop voting.
pub const DEFAULT_AUDIBLE_FLOOR_DBFS: f32 = -60.0;

/// The level of a window with no sound at all (digital silence, or no samples): below any
/// floor, and finite so that it can be written as JSON.
pub const SILENCE_DBFS: f32 = -200.0;

/// Accumulates the energy of a signal pushed in pieces, in blocks of one STFT hop, and gives
/// the level of any window of the model's grid. Non-finite samples count as 0, as the front end
/// treats them.
#[derive(Debug, Clone)]
pub struct LevelMeter {
    block: usize,
    window_blocks: usize,
    hop_blocks: usize,
    /// Sum of squares of each complete block, from block `first_block` on.
    sums: Vec<f64>,
    first_block: usize,
    partial: f64,
    partial_len: usize,
    pushed: usize,
}

impl LevelMeter {
    pub fn new(params: &FrontEndParams, window: WindowParams) -> Self {
        Self {
            block: params.hop_length.max(1),
            window_blocks: window.frames,
            hop_blocks: window.hop_frames.max(1),
            sums: Vec::new(),
            first_block: 0,
            partial: 0.0,
            partial_len: 0,
            pushed: 0,
        }
    }

    /// Adds samples as they arrived (before any normalisation).
    pub fn push(&mut self, samples: &[f32]) {
        for &x in samples {
            let x = if x.is_finite() { f64::from(x) } else { 0.0 };
            self.partial += x * x;
            self.partial_len += 1;
            if self.partial_len == self.block {
                self.sums.push(self.partial);
                self.partial = 0.0;
                self.partial_len = 0;
            }
        }
        self.pushed += samples.len();
    }

    /// The RMS level in dBFS of window `i` (frames `i·hop … i·hop + frames` of the grid, the
    /// samples those frames start on), over the samples pushed so far; a window that reaches
    /// past the end counts only the samples there are. [`SILENCE_DBFS`] when it holds no sound.
    /// Windows must be asked for in order: the blocks before window `i` are dropped.
    pub fn window_dbfs(&mut self, i: usize) -> f32 {
        let first = i * self.hop_blocks;
        if first > self.first_block {
            let drop = (first - self.first_block).min(self.sums.len());
            self.sums.drain(..drop);
            self.first_block += drop;
        }
        let start = first.saturating_sub(self.first_block);
        let end = (start + self.window_blocks).min(self.sums.len());
        let mut energy: f64 = self.sums.get(start..end).map_or(0.0, |b| b.iter().sum());
        let complete_end = self.first_block + self.sums.len();
        if first + self.window_blocks > complete_end {
            energy += self.partial;
        }
        let from = first * self.block;
        let to = ((first + self.window_blocks) * self.block).min(self.pushed);
        let count = to.saturating_sub(from);
        dbfs(energy, count)
    }
}

fn dbfs(energy: f64, count: usize) -> f32 {
    if count == 0 || energy <= 0.0 {
        return SILENCE_DBFS;
    }
    let db = 10.0 * (energy / count as f64).log10();
    (db as f32).max(SILENCE_DBFS)
}

/// The levels of the first `n` windows of a whole signal (as [`LevelMeter`] gives them for the
/// same samples pushed in any pieces).
pub fn window_levels(samples: &[f32], params: &FrontEndParams, window: WindowParams, n: usize) -> Vec<f32> {
    let mut meter = LevelMeter::new(params, window);
    meter.push(samples);
    (0..n).map(|i| meter.window_dbfs(i)).collect()
}

/// Whether a window of level `dbfs` is heard, against `floor_dbfs`.
pub fn is_audible(dbfs: f32, floor_dbfs: f32) -> bool {
    dbfs >= floor_dbfs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::window_count;

    fn sine_at(db: f32, n: usize) -> Vec<f32> {
        // A sine's RMS is its amplitude / √2.
        let a = 10f64.powf(f64::from(db) / 20.0) * std::f64::consts::SQRT_2;
        test_support::sine_frames(22_050, 1, 440.0, a, n)
    }

    fn levels(x: &[f32]) -> Vec<f32> {
        let (p, w) = (FrontEndParams::default(), WindowParams::default());
        let frames = x.len() / p.hop_length + 1;
        window_levels(x, &p, w, window_count(frames, &w))
    }

    #[test]
    fn a_sine_reads_at_its_rms_level() {
        for db in [-6.0f32, -30.0, -59.0, -61.0, -90.0] {
            let l = levels(&sine_at(db, 3 * 22_050));
            assert!(l.iter().all(|v| (v - db).abs() < 0.1), "{db}: {l:?}");
        }
    }

    #[test]
    fn the_floor_divides_minus_59_from_minus_61() {
        let floor = DEFAULT_AUDIBLE_FLOOR_DBFS;
        assert!(levels(&sine_at(-59.0, 44_100)).iter().all(|&v| is_audible(v, floor)));
        assert!(levels(&sine_at(-61.0, 44_100)).iter().all(|&v| !is_audible(v, floor)));
    }

    #[test]
    fn silence_nan_and_empty_are_silent_and_finite() {
        assert!(levels(&vec![0.0; 30_000]).iter().all(|&v| v == SILENCE_DBFS));
        assert_eq!(levels(&[]), vec![SILENCE_DBFS]);
        let l = levels(&vec![f32::NAN; 30_000]);
        assert!(l.iter().all(|&v| v == SILENCE_DBFS), "{l:?}");
        let mut x = sine_at(-20.0, 30_000);
        x[100] = f32::INFINITY;
        x[200] = f32::NAN;
        let l = levels(&x);
        assert!(l.iter().all(|v| v.is_finite() && (v + 20.0).abs() < 0.1), "{l:?}");
    }

    #[test]
    fn a_short_clip_is_judged_on_the_samples_it_has() {
        // 0.2 s at -30 dBFS: one padded window, at the clip's own level, not diluted by padding.
        let l = levels(&sine_at(-30.0, 4_410));
        assert_eq!(l.len(), 1);
        assert!((l[0] + 30.0).abs() < 0.2, "{l:?}");
    }

    #[test]
    fn one_loud_window_leaves_the_others_silent() {
        // 5 s of silence with 0.3 s of a loud tone in the middle: only the windows over it hear it.
        let mut x = vec![0.0f32; 5 * 22_050];
        let tone = sine_at(-10.0, 6_615);
        x[50_000..50_000 + tone.len()].copy_from_slice(&tone);
        let l = levels(&x);
        let audible: Vec<usize> = (0..l.len()).filter(|&i| is_audible(l[i], DEFAULT_AUDIBLE_FLOOR_DBFS)).collect();
        assert!(!audible.is_empty() && audible.len() <= 3, "{audible:?} of {}", l.len());
        // A full-scale click adds no audible window beyond its own.
        let mut y = vec![0.0f32; 5 * 22_050];
        y[60_000] = 1.0;
        let l = levels(&y);
        let audible = l.iter().filter(|&&v| is_audible(v, DEFAULT_AUDIBLE_FLOOR_DBFS)).count();
        assert!(audible <= 2, "{l:?}");
    }

    #[test]
    fn pieces_give_the_levels_of_the_whole() {
        let x: Vec<f32> = (0..100_000).map(|i| ((i as f32 * 0.001).sin() * (i as f32 * 0.05).cos()) * 0.3).collect();
        let want = levels(&x);
        let (p, w) = (FrontEndParams::default(), WindowParams::default());
        for piece in [1usize, 511, 4096, 100_000] {
            let mut m = LevelMeter::new(&p, w);
            for c in x.chunks(piece) {
                m.push(c);
            }
            let got: Vec<f32> = (0..want.len()).map(|i| m.window_dbfs(i)).collect();
            assert_eq!(got, want, "pieces of {piece}");
        }
    }
}
