//! Where the errors go: for each label, the clips it was called on without being there (by
//! those clips' true labels), the clips it was ranked first on wrongly, and the clips where it was
//! there but missed (by what was called instead). Read from an [`EvalReport`]'s per-clip results,
//! so older `evaluation.json` files give the same table.
use shared::labels::{LABELS, N_LABELS};

use super::ClipResult;

/// Counts per label; `[a][b]` matrices are indexed by label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusions {
    /// `[predicted][true]`: clips where `predicted` was called but is not there, counted once
    /// for each of the clip's true labels.
    pub false_positives: Vec<Vec<usize>>,
    /// Clips where the label was called but is not there (a two-label clip counts once).
    pub false_positive_clips: Vec<usize>,
    /// Clips whose highest score is this label while it is not there.
    pub wrong_first: Vec<usize>,
    /// `[missed][called]`: clips where `missed` is there but was not called, counted once for
    /// each wrongly called label (none called wrongly: not counted in the matrix).
    pub missed_for: Vec<Vec<usize>>,
    /// Clips where the label is there but was not called.
    pub missed: Vec<usize>,
}

impl Confusions {
    pub fn of(clips: &[ClipResult]) -> Self {
        let mut c = Confusions {
            false_positives: vec![vec![0; N_LABELS]; N_LABELS],
            false_positive_clips: vec![0; N_LABELS],
            wrong_first: vec![0; N_LABELS],
            missed_for: vec![vec![0; N_LABELS]; N_LABELS],
            missed: vec![0; N_LABELS],
        };
        for clip in clips {
            let truth = |l: &usize| clip.truth.contains(l);
            let wrong: Vec<usize> = clip.predicted.iter().copied().filter(|l| !truth(l) && *l < N_LABELS).collect();
            for &p in &wrong {
                c.false_positive_clips[p] += 1;
                for &t in clip.truth.iter().filter(|&&t| t < N_LABELS) {
                    c.false_positives[p][t] += 1;
                }
            }
            let first = clip.scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(l, _)| l);
            if let Some(f) = first.filter(|f| !truth(f) && *f < N_LABELS) {
                c.wrong_first[f] += 1;
            }
            for &t in clip.truth.iter().filter(|&&t| t < N_LABELS && !clip.predicted.contains(&t)) {
                c.missed[t] += 1;
                for &p in &wrong {
                    c.missed_for[t][p] += 1;
                }
            }
        }
        c
    }

    /// A Markdown section: one row per label that has an error, the largest counts first.
    pub fn markdown(&self) -> String {
        let spread = |row: &[usize]| {
            let mut parts: Vec<(usize, usize)> = row.iter().copied().enumerate().filter(|(_, n)| *n > 0).collect();
            parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            parts.iter().map(|(l, n)| format!("{} {n}", LABELS[*l])).collect::<Vec<_>>().join(", ")
        };
        let mut md = String::from(
            "Errors by label: false positives (clips where the label was called but is not there) by \
             those clips' true labels, clips ranked first wrongly, and misses by what was called instead.\n\n\
             | label | false positives | on clips of | ranked first wrongly | missed | called instead |\n\
             |---|---|---|---|---|---|\n",
        );
        for (l, name) in LABELS.iter().enumerate() {
            if self.false_positive_clips[l] == 0 && self.wrong_first[l] == 0 && self.missed[l] == 0 {
                continue;
            }
            md += &format!(
                "| {name} | {} | {} | {} | {} | {} |\n",
                self.false_positive_clips[l],
                spread(&self.false_positives[l]),
                self.wrong_first[l],
                self.missed[l],
                spread(&self.missed_for[l]),
            );
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(truth: &[usize], scores: &[(usize, f32)], predicted: &[usize]) -> ClipResult {
        let mut s = vec![0.0; N_LABELS];
        for &(l, v) in scores {
            s[l] = v;
        }
        ClipResult { truth: truth.to_vec(), scores: s, predicted: predicted.to_vec() }
    }

    #[test]
    fn counts_false_positives_wrong_first_and_misses() {
        // pia (6) clip called gel (4) too, gel ranked first; a gel clip called right; a vio (9)
        // clip missed, called cel (0) instead.
        let clips = [
            clip(&[6], &[(4, 1.0), (6, 0.9)], &[4, 6]),
            clip(&[4], &[(4, 1.0)], &[4]),
            clip(&[9], &[(0, 1.0), (9, 0.3)], &[0]),
        ];
        let c = Confusions::of(&clips);
        assert_eq!(c.false_positives[4][6], 1);
        assert_eq!(c.false_positives[0][9], 1);
        assert_eq!(c.false_positives.iter().flatten().sum::<usize>(), 2);
        assert_eq!((c.false_positive_clips[4], c.false_positive_clips[0]), (1, 1));
        assert_eq!(c.wrong_first[4], 1);
        assert_eq!(c.wrong_first[0], 1);
        assert_eq!(c.missed[9], 1);
        assert_eq!(c.missed_for[9][0], 1);
        assert_eq!(c.missed[6] + c.missed[4], 0);
        let md = c.markdown();
        assert!(md.contains("| gel | 1 | pia 1 | 1 | 0 |  |"), "{md}");
        assert!(md.contains("| vio | 0 |  | 0 | 1 | cel 1 |"), "{md}");
        assert!(!md.contains("| pia |"), "a label without errors has no row: {md}");
    }

    #[test]
    fn a_two_label_clip_counts_once_per_false_positive() {
        let c = Confusions::of(&[clip(&[6, 10], &[(6, 1.0), (10, 0.8), (4, 0.6)], &[4, 6, 10])]);
        assert_eq!((c.false_positives[4][6], c.false_positives[4][10], c.false_positive_clips[4]), (1, 1, 1));
        assert!(c.markdown().contains("| gel | 1 | pia 1, voi 1 | 0 | 0 |  |"), "{}", c.markdown());
    }

    #[test]
    fn out_of_range_labels_are_ignored() {
        let c = Confusions::of(&[clip(&[N_LABELS], &[(1, 1.0)], &[1, N_LABELS + 3])]);
        assert_eq!(c.false_positives.iter().flatten().sum::<usize>(), 0);
        assert_eq!(c.wrong_first[1], 1);
    }
}
