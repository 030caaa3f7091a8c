//! Windows laid back onto the strip of frames they were cut from, so a model can run what
//! overlapping windows share once (the server's `strip.pt`).

/// The fewest windows a strip pays for: `cargo bench -p engine --bench batch_sizes` measured one
/// clip's 2 and 4 windows at 0.90× and 0.96× the windows' rate as a strip, 8 at 1.02×, 32 and
/// 64 at 1.12× and 1.20× (2-core AMD EPYC, AVX2).
pub const STRIP_MIN_WINDOWS: usize = 8;

/// Frames (`rows × mels`, row-major) and the first row of each window in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Strip {
    pub rows: Vec<f32>,
    pub starts: Vec<i64>,
    /// Windows that continue the previous one at the hop (their first `frames − hop` frames are
    /// its last, bit for bit), so share those rows instead of adding them.
    pub continued: usize,
}

impl Strip {
    /// Lays `windows` (`n × frames × mels`, flattened, in order) end to end, where a window
    /// continues the previous one at `hop` frames sharing its rows: whatever the windows are
    /// (one clip's, several clips', padded), each window is rows `starts[i]..starts[i] + frames`
    /// of the strip, exactly. A trailing partial window is ignored.
    pub fn of_windows(windows: &[f32], frames: usize, mels: usize, hop: usize) -> Self {
        let size = frames * mels;
        let overlap = frames.saturating_sub(hop) * mels;
        let mut strip = Self { rows: Vec::with_capacity(windows.len()), starts: Vec::new(), continued: 0 };
        if size == 0 {
            return strip;
        }
        let mut previous: Option<&[f32]> = None;
        for window in windows.chunks_exact(size) {
            let len = strip.rows.len();
            let (head, rest) = window.split_at_checked(overlap).unwrap_or((&[], window));
            let tail_of_previous = previous.and_then(|p| p.get(size - overlap..));
            let continues = hop > 0 && !head.is_empty() && tail_of_previous.is_some_and(|t| same_bits(t, head));
            if continues {
                strip.starts.push(((len - overlap) / mels) as i64);
                strip.rows.extend_from_slice(rest);
                strip.continued += 1;
            } else {
                strip.starts.push((len / mels) as i64);
                strip.rows.extend_from_slice(window);
            }
            previous = Some(window);
        }
        strip
    }

    /// Rows of the strip (frames).
    pub fn len(&self, mels: usize) -> usize {
        self.rows.len() / mels.max(1)
    }

    /// Whether running the strip costs less than running the windows: at least
    /// [`STRIP_MIN_WINDOWS`] windows, half of them or more continuing their predecessor. A
    /// window alone costs more as a strip (its edges are computed twice), and a few windows do
    /// not make up the strip's extra passes.
    pub fn pays(&self) -> bool {
        self.starts.len() >= STRIP_MIN_WINDOWS && 2 * self.continued >= self.starts.len()
    }
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows of `frames` rows cut at `hop` from a strip whose row r holds r + 0.5 (and, in
    /// its second mel band, −r), as `Windows::cut` cuts them.
    fn cut(rows: usize, frames: usize, hop: usize, first: f32) -> Vec<f32> {
        let mut out = Vec::new();
        let mut start = 0;
        while start + frames <= rows {
            for r in start..start + frames {
                out.extend([first + r as f32 + 0.5, -(first + r as f32)]);
            }
            start += hop;
        }
        out
    }

    #[test]
    fn one_clips_windows_become_its_frames_again() {
        let windows = cut(10, 4, 2, 0.0);
        let strip = Strip::of_windows(&windows, 4, 2, 2);
        assert_eq!(strip.starts, vec![0, 2, 4, 6]);
        assert_eq!(strip.continued, 3);
        assert_eq!(strip.len(2), 10);
        assert_eq!(strip.rows, cut(10, 10, 10, 0.0));
        assert!(!strip.pays(), "4 windows are too few");
        let strip = Strip::of_windows(&cut(18, 4, 2, 0.0), 4, 2, 2);
        assert_eq!((strip.starts.len(), strip.continued), (8, 7));
        assert!(strip.pays());
    }

    #[test]
    fn every_window_is_found_again_at_its_start() {
        // Two clips (the second not continuing the first) and an odd hop.
        let mut windows = cut(13, 5, 3, 0.0);
        windows.extend(cut(8, 5, 3, 100.0));
        let n = windows.len() / 10;
        let strip = Strip::of_windows(&windows, 5, 2, 3);
        assert_eq!(strip.starts.len(), n);
        assert_eq!(strip.continued, n - 2);
        for (i, &s) in strip.starts.iter().enumerate() {
            let s = s as usize;
            assert_eq!(strip.rows[s * 2..(s + 5) * 2], windows[i * 10..(i + 1) * 10], "window {i}");
        }
    }

    #[test]
    fn windows_that_do_not_overlap_are_laid_end_to_end() {
        let windows: Vec<f32> = (0..3 * 8).map(|i| i as f32).collect();
        let strip = Strip::of_windows(&windows, 4, 2, 2);
        assert_eq!((strip.starts.clone(), strip.continued), (vec![0, 4, 8], 0));
        assert_eq!(strip.rows, windows);
        assert!(!strip.pays());
        // A hop of a whole window (or more) shares nothing.
        let strip = Strip::of_windows(&cut(8, 4, 4, 0.0), 4, 2, 4);
        assert_eq!(strip.continued, 0);
    }

    #[test]
    fn equal_values_of_other_bits_are_not_shared() {
        let mut windows = vec![1.0, 0.0, 2.0, 0.0];
        windows.extend([2.0, -0.0, 3.0, 0.0]);
        let strip = Strip::of_windows(&windows, 2, 2, 1);
        assert_eq!(strip.continued, 0, "−0.0 is not 0.0 bit for bit");
        assert_eq!(Strip::of_windows(&[], 2, 2, 1).starts, Vec::<i64>::new());
        assert!(!Strip::of_windows(&[1.0; 3], 2, 2, 1).pays(), "a partial window is ignored");
    }
}
