//! Where each instrument plays: time ranges from the window sigmoids.
//!
//! Per instrument: the window sigmoids are smoothed by a running median over `median_windows`
//! windows (one stray window neither starts nor breaks a range); a range starts at a window whose
//! smoothed sigmoid reaches `on` and lasts while it stays at or above `off` (hysteresis, so a
//! sigmoid hovering at one threshold does not flicker); ranges closer than `max_gap_seconds` are
//! merged; ranges shorter than `min_seconds` are dropped. A range runs from the start of its
//! first window to the end of its last (start + window length; the clip's end for the clip's last
//! window, whose tail is in no later window), so its ends are exact to the window grid (0.5-s
//! hop) and never leave the clip. Its score is the mean raw sigmoid of its windows.
use serde::{Deserialize, Serialize};

/// The smoothing of [`segments`]; the defaults are what the server applies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SegmentParams {
    /// Width of the running median, in windows (odd; 1 is no smoothing).
    pub median_windows: usize,
    /// Smoothed sigmoid at which a range starts.
    pub on: f32,
    /// Smoothed sigmoid below which a range ends (≤ `on`).
    pub off: f32,
    /// Shortest range kept, in seconds.
    pub min_seconds: f64,
    /// Ranges with a gap up to this long, in seconds, are merged.
    pub max_gap_seconds: f64,
}

impl Default for SegmentParams {
    fn default() -> Self {
        Self { median_windows: 3, on: 0.5, off: 0.3, min_seconds: 1.0, max_gap_seconds: 1.0 }
    }
}

impl SegmentParams {
    /// Settings that cannot work, said in words.
    pub fn check(&self) -> Result<(), String> {
        let unit = |v: f32| (0.0..=1.0).contains(&v);
        if self.median_windows == 0 || self.median_windows % 2 == 0 || self.median_windows > 99 {
            return Err(format!("segment_median must be odd and within [1, 99], got {}", self.median_windows));
        }
        if !unit(self.on) || !unit(self.off) || self.off > self.on {
            return Err(format!(
                "segment_on and segment_off must lie in [0, 1] with off <= on, got on {} off {}",
                self.on, self.off
            ));
        }
        let seconds = |v: f64| v.is_finite() && (0.0..=3600.0).contains(&v);
        if !seconds(self.min_seconds) || !seconds(self.max_gap_seconds) {
            return Err(format!(
                "segment_min_seconds and segment_gap_seconds must lie in [0, 3600], got {} and {}",
                self.min_seconds, self.max_gap_seconds
            ));
        }
        Ok(())
    }
}

/// One time range of one instrument.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start_seconds: f64,
    pub end_seconds: f64,
    /// Mean sigmoid of the range's windows.
    pub score: f32,
}

/// The windows of a clip: their start times and common length, and the clip's duration.
#[derive(Debug, Clone, Copy)]
pub struct WindowGrid<'a> {
    pub starts: &'a [f64],
    pub window_seconds: f64,
    pub duration_seconds: f64,
}

/// The ranges of one instrument, from its per-window sigmoids (`sigmoids[i]` for the window
/// starting at `grid.starts[i]`).
pub fn segments(sigmoids: &[f32], grid: WindowGrid<'_>, p: &SegmentParams) -> Vec<Segment> {
    let n = sigmoids.len().min(grid.starts.len());
    let smooth =
        running_median(crate::invariant::slice(sigmoids, ..n, "the gridded sigmoids"), p.median_windows.max(1));
    // Runs of windows (first, last) by hysteresis.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<usize> = None;
    for (i, &m) in smooth.iter().enumerate() {
        match open {
            None if m >= p.on => open = Some(i),
            Some(a) if m < p.off => {
                runs.push((a, i - 1));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(a) = open {
        runs.push((a, n - 1));
    }
    let start = |i: usize| grid.starts.get(i).copied().unwrap_or(0.0);
    let clip_end = grid.duration_seconds.max(0.0);
    // The last window's range runs to the clip's end: the tail after it (under one hop) is in
    // no later window.
    let end = |i: usize| if i + 1 >= n { clip_end } else { (start(i) + grid.window_seconds).min(clip_end) };
    // Merge runs whose gap is short, then drop short ones.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in runs {
        match merged.last_mut() {
            Some(last) if start(a) - end(last.1) <= p.max_gap_seconds => last.1 = b,
            _ => merged.push((a, b)),
        }
    }
    merged
        .into_iter()
        .map(|(a, b)| {
            let window = crate::invariant::slice(sigmoids, a..=b, "a run's windows");
            let score = window.iter().sum::<f32>() / window.len().max(1) as f32;
            let start_seconds = start(a).min(clip_end);
            Segment { start_seconds, end_seconds: end(b).max(start_seconds), score }
        })
        .filter(|s| s.end_seconds - s.start_seconds >= p.min_seconds.min(grid.duration_seconds) - 1e-9)
        .collect()
}

/// The running median of `x` over `width` values (odd), the window shrunk at the ends.
fn running_median(x: &[f32], width: usize) -> Vec<f32> {
    let half = width / 2;
    (0..x.len())
        .map(|i| {
            let (a, b) = (i.saturating_sub(half), (i + half + 1).min(x.len()));
            let mut w: Vec<f32> = crate::invariant::slice(x, a..b, "the median's window").to_vec();
            w.sort_by(f32::total_cmp);
            // An even count at the ends: the mean of the middle two.
            let m = w.len() / 2;
            match (w.len() % 2, w.get(m), m.checked_sub(1).and_then(|k| w.get(k))) {
                (1, Some(&v), _) => v,
                (_, Some(&hi), Some(&lo)) => (hi + lo) / 2.0,
                _ => 0.0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows of 1 s every 0.5 s over `duration` seconds.
    fn grid(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64 * 0.5).collect()
    }

    fn run(sig: &[f32], duration: f64, p: &SegmentParams) -> Vec<(f64, f64)> {
        let starts = grid(sig.len());
        let g = WindowGrid { starts: &starts, window_seconds: 1.0, duration_seconds: duration };
        segments(sig, g, p).iter().map(|s| (s.start_seconds, s.end_seconds)).collect()
    }

    #[test]
    fn a_stretch_gives_its_range_on_the_window_grid() {
        // 19 windows over 10 s; the instrument in windows 8..=18 (4.0 s to the end).
        let sig: Vec<f32> = (0..19).map(|i| if i >= 8 { 0.9 } else { 0.05 }).collect();
        assert_eq!(run(&sig, 10.0, &SegmentParams::default()), vec![(4.0, 10.0)]);
    }

    #[test]
    fn one_stray_window_neither_starts_nor_breaks_a_range() {
        let mut sig = vec![0.05; 19];
        sig[3] = 0.95; // a lone spike
        assert!(run(&sig, 10.0, &SegmentParams::default()).is_empty());
        let mut sig = vec![0.9; 19];
        sig[9] = 0.0; // a lone drop
        assert_eq!(run(&sig, 10.0, &SegmentParams::default()), vec![(0.0, 10.0)]);
    }

    #[test]
    fn hysteresis_keeps_a_range_open_between_off_and_on() {
        let sig = [0.1, 0.6, 0.6, 0.4, 0.4, 0.4, 0.6, 0.1, 0.1, 0.1];
        let p = SegmentParams { median_windows: 1, min_seconds: 0.0, max_gap_seconds: 0.0, ..Default::default() };
        assert_eq!(run(&sig, 5.5, &p), vec![(0.5, 4.0)]);
        // Without hysteresis (off = on) it splits.
        let p = SegmentParams { off: 0.5, ..p };
        assert_eq!(run(&sig, 5.5, &p), vec![(0.5, 2.0), (3.0, 4.0)]);
    }

    #[test]
    fn short_gaps_merge_and_short_ranges_drop() {
        let p = SegmentParams { median_windows: 1, ..Default::default() };
        // Ranges [0, 2] and [3.5, 5.5]: a 1.5-s gap stays, a 1-s gap merges.
        let sig = [0.9, 0.9, 0.9, 0.0, 0.0, 0.0, 0.0, 0.9, 0.9, 0.9];
        assert_eq!(run(&sig, 5.5, &p), vec![(0.0, 2.0), (3.5, 5.5)]);
        let sig = [0.9, 0.9, 0.9, 0.0, 0.0, 0.0, 0.9, 0.9, 0.9, 0.0];
        assert_eq!(run(&sig, 5.5, &p), vec![(0.0, 5.0)]);
        let p = SegmentParams { min_seconds: 2.5, ..p };
        let sig = [0.9, 0.9, 0.0, 0.0, 0.0, 0.0, 0.9, 0.9, 0.9, 0.9];
        assert_eq!(run(&sig, 5.5, &p), vec![(3.0, 5.5)]);
    }

    #[test]
    fn edge_cases_one_window_silence_and_everywhere() {
        let p = SegmentParams::default();
        // One window of a 0.4-s clip: the range is the clip, never longer.
        assert_eq!(run(&[0.9], 0.4, &p), vec![(0.0, 0.4)]);
        assert!(run(&[0.1; 7], 4.0, &p).is_empty());
        assert!(run(&[], 0.0, &p).is_empty());
        assert_eq!(run(&[0.8; 7], 4.0, &p), vec![(0.0, 4.0)]);
        let starts = grid(7);
        let g = WindowGrid { starts: &starts, window_seconds: 1.0, duration_seconds: 4.0 };
        let s = segments(&[0.8, 0.6, 0.8, 0.6, 0.8, 0.6, 0.8], g, &p);
        assert!((s[0].score - 0.7143).abs() < 1e-3, "{s:?}");
    }

    #[test]
    fn ranges_never_leave_the_clip() {
        for n in 1..30 {
            for seed in 0..5u32 {
                let sig: Vec<f32> = (0..n).map(|i| ((i as u32 * 7 + seed * 13) % 10) as f32 / 10.0).collect();
                let duration = (n as f64 - 1.0) * 0.5 + 0.7;
                for (a, b) in run(&sig, duration, &SegmentParams { min_seconds: 0.0, ..Default::default() }) {
                    assert!(0.0 <= a && a <= b && b <= duration, "{a} {b} {duration}");
                }
            }
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(SegmentParams::default().check().is_ok());
        assert!(SegmentParams { median_windows: 2, ..Default::default() }.check().is_err());
        assert!(SegmentParams { off: 0.7, ..Default::default() }.check().is_err());
        assert!(SegmentParams { min_seconds: f64::NAN, ..Default::default() }.check().is_err());
    }

    #[test]
    fn running_median_of_a_spike() {
        assert_eq!(running_median(&[0.0, 1.0, 0.0, 0.0], 3), vec![0.5, 0.0, 0.0, 0.0]);
    }
}
