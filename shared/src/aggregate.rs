//! Turning per-window sigmoids into clip-level scores and labels (paper III-E).

use serde::{Deserialize, Serialize};

/// How window outputs are aggregated over a clip.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// Class-wise mean of the window sigmoids.
    S1,
    /// Class-wise sum divided by the largest class sum: the top label always scores 1.0.
    #[default]
    S2,
}

impl std::str::FromStr for Aggregation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "s1" => Ok(Aggregation::S1),
            "s2" => Ok(Aggregation::S2),
            _ => Err(format!("unknown aggregation {s:?} (s1 or s2)")),
        }
    }
}

impl std::fmt::Display for Aggregation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Aggregation::S1 => "s1",
            Aggregation::S2 => "s2",
        })
    }
}

/// Clip scores from window sigmoids (`windows[w][label]`). No windows gives all zeros.
pub fn aggregate(windows: &[Vec<f32>], n_labels: usize, how: Aggregation) -> Vec<f32> {
    let mut sums = vec![0.0f64; n_labels];
    for w in windows {
        for (s, &p) in sums.iter_mut().zip(w) {
            *s += p as f64;
        }
    }
    let denominator = match how {
        Aggregation::S1 => windows.len() as f64,
        Aggregation::S2 => sums.iter().copied().fold(0.0, f64::max),
    };
    if denominator <= 0.0 {
        return vec![0.0; n_labels];
    }
    sums.iter().map(|s| (s / denominator) as f32).collect()
}

/// The model's own evidence for each label, whatever the aggregation: the mean of the label's
/// highest quarter of window sigmoids (at least one window). S2 scores the top label 1.0 even
/// when every window's sigmoid is near 0, so S2 alone cannot answer "none of them"; a label
/// needs this evidence too. The top quarter rather than the mean keeps an instrument that
/// plays in a part of a long recording; rather than the maximum, one stray window does not decide.
/// No windows give all zeros.
pub fn evidence(windows: &[Vec<f32>], n_labels: usize) -> Vec<f32> {
    if windows.is_empty() {
        return vec![0.0; n_labels];
    }
    let top = windows.len().div_ceil(4);
    (0..n_labels)
        .map(|l| {
            let mut column: Vec<f32> = windows.iter().map(|w| w.get(l).copied().unwrap_or(0.0)).collect();
            column.sort_unstable_by(|a, b| b.total_cmp(a));
            column.iter().take(top).map(|&v| f64::from(v)).sum::<f64>() as f32 / top as f32
        })
        .collect()
}

/// Which labels are present: the aggregated score reaches its threshold and the label's
/// [`evidence`] reaches `evidence_floor` (0 turns the second test off).
pub fn present(scores: &[f32], evidence: &[f32], thresholds: &Thresholds, evidence_floor: f32) -> Vec<bool> {
    thresholds.apply(scores).into_iter().zip(evidence).map(|(above, &e)| above && e >= evidence_floor).collect()
}

/// Thresholds: one global θ, or one per label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Thresholds {
    Global(f32),
    PerLabel(Vec<f32>),
}

/// A requested global threshold, or why it cannot be one.
pub fn check_threshold(t: f32) -> Result<f32, String> {
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(format!("threshold must be within [0, 1], got {t}"))
    }
}

impl Thresholds {
    pub fn for_label(&self, i: usize) -> f32 {
        match self {
            Thresholds::Global(t) => *t,
            Thresholds::PerLabel(ts) => ts.get(i).copied().unwrap_or(0.5),
        }
    }

    /// Which labels are present: score ≥ threshold.
    pub fn apply(&self, scores: &[f32]) -> Vec<bool> {
        scores.iter().enumerate().map(|(i, &s)| s >= self.for_label(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows() -> Vec<Vec<f32>> {
        vec![vec![0.9, 0.2, 0.1], vec![0.7, 0.4, 0.1], vec![0.8, 0.6, 0.1]]
    }

    #[test]
    fn s1_is_the_mean() {
        let s = aggregate(&windows(), 3, Aggregation::S1);
        let expected = [0.8, 0.4, 0.1];
        for (a, b) in s.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{s:?}");
        }
    }

    #[test]
    fn s2_normalises_by_the_largest_sum() {
        // Sums 2.4, 1.2, 0.3 → 1.0, 0.5, 0.125.
        let s = aggregate(&windows(), 3, Aggregation::S2);
        assert_eq!(s[0], 1.0);
        assert!((s[1] - 0.5).abs() < 1e-6 && (s[2] - 0.125).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn s2_top_label_is_always_exactly_one() {
        let w = vec![vec![0.013, 0.0021, 0.011], vec![0.002, 0.0004, 0.003]];
        let s = aggregate(&w, 3, Aggregation::S2);
        assert_eq!(s.iter().copied().fold(0.0, f32::max), 1.0);
        assert!(Thresholds::Global(0.5).apply(&s).iter().any(|&p| p));
    }

    #[test]
    fn s1_can_return_no_label() {
        let w = vec![vec![0.1, 0.2, 0.05]; 4];
        let s = aggregate(&w, 3, Aggregation::S1);
        assert!(Thresholds::Global(0.5).apply(&s).iter().all(|&p| !p));
    }

    #[test]
    fn no_windows_or_all_zero_gives_zeros() {
        assert_eq!(aggregate(&[], 3, Aggregation::S2), vec![0.0; 3]);
        assert_eq!(aggregate(&[vec![0.0; 3]], 3, Aggregation::S2), vec![0.0; 3]);
    }

    #[test]
    fn per_label_thresholds() {
        let t = Thresholds::PerLabel(vec![0.9, 0.3, 0.5]);
        assert_eq!(t.apply(&[0.8, 0.3, 0.6]), vec![false, true, true]);
    }

    #[test]
    fn evidence_is_the_mean_of_the_top_quarter() {
        // Eight windows: the top two of label 0 are 0.9 and 0.7.
        let w: Vec<Vec<f32>> = [0.9, 0.1, 0.7, 0.0, 0.2, 0.1, 0.3, 0.0].iter().map(|&v| vec![v, 0.05]).collect();
        let e = evidence(&w, 2);
        assert!((e[0] - 0.8).abs() < 1e-6 && (e[1] - 0.05).abs() < 1e-6, "{e:?}");
        // One window: its own sigmoids.
        assert_eq!(evidence(&[vec![0.3, 0.6]], 2), vec![0.3, 0.6]);
        assert_eq!(evidence(&[], 2), vec![0.0, 0.0]);
    }

    #[test]
    fn weak_evidence_takes_away_what_s2_would_name() {
        // Sigmoids near 0 everywhere: S2 scores the top label 1.0, the evidence says no.
        let w = vec![vec![0.04, 0.01, 0.015]; 6];
        let s = aggregate(&w, 3, Aggregation::S2);
        let t = Thresholds::Global(0.5);
        assert_eq!(present(&s, &evidence(&w, 3), &t, 0.0), vec![true, false, false], "no floor: S2 alone");
        assert_eq!(present(&s, &evidence(&w, 3), &t, 0.5), vec![false, false, false]);
        // A real instrument in a quarter of the windows keeps its label.
        let mut w = vec![vec![0.02, 0.01, 0.0]; 8];
        w[3] = vec![0.95, 0.01, 0.0];
        w[4] = vec![0.9, 0.01, 0.0];
        let s = aggregate(&w, 3, Aggregation::S2);
        assert_eq!(present(&s, &evidence(&w, 3), &t, 0.5), vec![true, false, false]);
    }

    #[test]
    fn parse_and_display() {
        assert_eq!("S2".parse::<Aggregation>().unwrap(), Aggregation::S2);
        assert_eq!(Aggregation::S1.to_string(), "s1");
        assert!("s3".parse::<Aggregation>().is_err());
    }
}
