//! Scoring answers against the truth: the evaluation metrics of the paper (IV-B, eq. 4-6) plus
//! label ranking average precision.
//!
//! Conventions follow scikit-learn: macro averages are the unweighted means of the per-label
//! values (`average="macro"`), a 0/0 ratio counts as 0 (`zero_division=0`), and LRAP is
//! `label_ranking_average_precision_score` (ties count against the label; a sample with no or
//! only relevant labels scores 1).

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of one label or one average.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of clips that carry the label (for averages: all label occurrences).
    pub support: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Micro, macro and per-label P/R/F1 of multi-label predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub micro: Prf,
    /// Mean over all labels (scikit-learn's `average="macro"` on an indicator matrix).
    pub macro_: Prf,
    /// Mean over the labels that occur in the truth: on a test set that lacks some labels, the
    /// plain macro average is capped by the absent ones.
    pub macro_present: Prf,
    pub per_label: Vec<Prf>,
}

/// `truth[i][l]` and `predicted[i][l]`: does clip i carry / get label l.
pub fn prf_report(truth: &[Vec<bool>], predicted: &[Vec<bool>], n_labels: usize) -> Report {
    // (true positives, false positives, false negatives) per label.
    let mut counts = vec![(0usize, 0usize, 0usize); n_labels];
    for (t, p) in truth.iter().zip(predicted) {
        for (l, c) in counts.iter_mut().enumerate() {
            match (t.get(l).copied().unwrap_or(false), p.get(l).copied().unwrap_or(false)) {
                (true, true) => c.0 += 1,
                (false, true) => c.1 += 1,
                (true, false) => c.2 += 1,
                (false, false) => {}
            }
        }
    }
    let per_label: Vec<Prf> = counts
        .iter()
        .map(|&(tp, fp, fn_)| {
            let (p, r) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
            Prf { precision: p, recall: r, f1: f1(p, r), support: tp + fn_ }
        })
        .collect();
    let (stp, sfp, sfn) = counts.iter().fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    let (mp, mr) = (ratio(stp, stp + sfp), ratio(stp, stp + sfn));
    let micro = Prf { precision: mp, recall: mr, f1: f1(mp, mr), support: stp + sfn };
    let average = |only_present: bool| {
        let chosen: Vec<&Prf> = per_label.iter().filter(|p| !only_present || p.support > 0).collect();
        let n = chosen.len().max(1) as f64;
        Prf {
            precision: chosen.iter().map(|x| x.precision).sum::<f64>() / n,
            recall: chosen.iter().map(|x| x.recall).sum::<f64>() / n,
            f1: chosen.iter().map(|x| x.f1).sum::<f64>() / n,
            support: stp + sfn,
        }
    };
    let (macro_, macro_present) = (average(false), average(true));
    Report { micro, macro_, macro_present, per_label }
}

/// Label ranking average precision of `scores[i][l]` against `truth[i][l]`.
pub fn lrap(truth: &[Vec<bool>], scores: &[Vec<f32>]) -> f64 {
    if truth.is_empty() {
        return 0.0;
    }
    let total: f64 = truth
        .iter()
        .zip(scores)
        .map(|(t, s)| {
            // The scores of the relevant labels.
            let relevant: Vec<f32> = t.iter().zip(s).filter(|(&r, _)| r).map(|(_, &x)| x).collect();
            if relevant.is_empty() || relevant.len() == t.len() {
                return 1.0;
            }
            relevant
                .iter()
                .map(|&sj| {
                    let rank = s.iter().filter(|&&x| x >= sj).count();
                    let hits = relevant.iter().filter(|&&x| x >= sj).count();
                    hits as f64 / rank as f64
                })
                .sum::<f64>()
                / relevant.len() as f64
        })
        .sum();
    total / truth.len() as f64
}

/// The share of clips with a true label whose highest score is one of their true labels ("the
/// right label ranked first"); clips without a true label are not counted.
pub fn top1(truth: &[Vec<bool>], scores: &[Vec<f32>]) -> f64 {
    let (mut counted, mut right) = (0usize, 0usize);
    for (t, s) in truth.iter().zip(scores) {
        if !t.iter().any(|&r| r) {
            continue;
        }
        counted += 1;
        let first = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i);
        right += usize::from(first.is_some_and(|i| t.get(i).copied().unwrap_or(false)));
    }
    if counted == 0 {
        return 0.0;
    }
    right as f64 / counted as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top1_counts_the_clips_whose_first_label_is_right() {
        let truth = vec![vec![true, false, false], vec![false, true, false], vec![false, false, false]];
        let scores = vec![vec![0.9, 0.1, 0.2], vec![0.8, 0.7, 0.1], vec![0.1, 0.2, 0.3]];
        assert_eq!(top1(&truth, &scores), 0.5, "the unlabelled clip is not counted");
        assert_eq!(top1(&[], &[]), 0.0);
    }

    fn b(rows: &[[u8; 4]]) -> Vec<Vec<bool>> {
        rows.iter().map(|r| r.iter().map(|&v| v == 1).collect()).collect()
    }

    // Expected values from scikit-learn 1.9.1:
    //   precision_recall_fscore_support(y, p, average=…, zero_division=0)
    //   label_ranking_average_precision_score(y, s)
    /// Truth, predictions and scores of five clips over four labels.
    type Clips = (Vec<Vec<bool>>, Vec<Vec<bool>>, Vec<Vec<f32>>);

    fn data() -> Clips {
        let y = b(&[[1, 0, 0, 1], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
        let p = b(&[[1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]);
        let s = vec![
            vec![0.9, 0.1, 0.2, 0.4],
            vec![0.3, 0.8, 0.7, 0.1],
            vec![0.6, 0.65, 0.1, 0.2],
            vec![0.2, 0.1, 0.95, 0.3],
            vec![0.5, 0.2, 0.1, 0.5],
        ];
        (y, p, s)
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn micro_macro_and_per_label_match_scikit_learn() {
        let (y, p, _) = data();
        let r = prf_report(&y, &p, 4);
        close(r.micro.precision, 5.0 / 7.0);
        close(r.micro.recall, 5.0 / 7.0);
        close(r.micro.f1, 5.0 / 7.0);
        close(r.macro_.precision, 0.791_666_666_666_666_6);
        close(r.macro_.recall, 0.75);
        close(r.macro_.f1, 0.7);
        let f1s: Vec<f64> = r.per_label.iter().map(|x| x.f1).collect();
        for (a, b) in f1s.iter().zip([0.8, 2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0]) {
            close(*a, b);
        }
        assert_eq!(r.per_label.iter().map(|x| x.support).collect::<Vec<_>>(), vec![2, 2, 1, 2]);
    }

    #[test]
    fn lrap_matches_scikit_learn_including_ties() {
        let (y, _, s) = data();
        close(lrap(&y, &s), 0.9);
    }

    #[test]
    fn perfect_and_empty_cases() {
        let y = b(&[[1, 0, 0, 0], [0, 0, 1, 1]]);
        let r = prf_report(&y, &y, 4);
        close(r.micro.f1, 1.0);
        // Label 1 never occurs nor is predicted: 0/0 counts as 0 (zero_division=0), which caps
        // the plain macro average; the average over present labels is not capped.
        close(r.per_label[1].f1, 0.0);
        close(r.macro_.f1, 0.75);
        close(r.macro_present.f1, 1.0);
        let s = vec![vec![0.9, 0.1, 0.1, 0.1], vec![0.0, 0.1, 0.8, 0.7]];
        close(lrap(&y, &s), 1.0);
        close(lrap(&b(&[[0, 0, 0, 0]]), &[vec![0.1, 0.2, 0.3, 0.4]]), 1.0);
    }
}
