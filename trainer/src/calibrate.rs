//! Choosing thresholds on validation data (paper V-C suggests per-label thresholds): a global θ
//! that maximises macro F1, and for each label the θ that maximises its own F1.
use serde::Serialize;
use shared::aggregate::{Aggregation, Thresholds};
use shared::scoring::prf_report;

/// The candidate thresholds for an aggregation: S1 scores are means of sigmoids (small), S2
/// scores are normalised to the top label (large).
pub fn grid(how: Aggregation) -> Vec<f32> {
    match how {
        Aggregation::S1 => (1..=60).map(|i| i as f32 * 0.01).collect(),
        Aggregation::S2 => (5..=95).map(|i| i as f32 * 0.01).collect(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub global: f32,
    pub global_macro_f1: f64,
    /// Per label: the chosen θ, or the global one where validation has no example of the label.
    pub per_label: Vec<f32>,
    /// Macro F1 on the validation data with the per-label thresholds.
    pub per_label_macro_f1: f64,
}

/// `scores[clip][label]` (aggregated), `truth[clip][label]`.
pub fn calibrate(scores: &[Vec<f32>], truth: &[Vec<bool>], n_labels: usize, how: Aggregation) -> Calibration {
    let candidates = grid(how);
    let evaluate = |t: &Thresholds| {
        let predicted: Vec<Vec<bool>> = scores.iter().map(|s| t.apply(s)).collect();
        prf_report(truth, &predicted, n_labels)
    };
    // Global: best macro F1; ties go to the smaller θ (the grid is ascending).
    let (global, global_macro_f1) = candidates
        .iter()
        .map(|&t| (t, evaluate(&Thresholds::Global(t)).macro_.f1))
        .fold((candidates[0], f64::MIN), |best, c| if c.1 > best.1 { c } else { best });
    let reports: Vec<_> = candidates.iter().map(|&t| evaluate(&Thresholds::Global(t))).collect();
    let per_label: Vec<f32> = (0..n_labels)
        .map(|l| {
            if !truth.iter().any(|t| t.get(l).copied().unwrap_or(false)) {
                return global;
            }
            let (mut best_t, mut best_f1) = (global, f64::MIN);
            for (&t, r) in candidates.iter().zip(&reports) {
                let f1 = r.per_label[l].f1;
                let closer = (t - global).abs() < (best_t - global).abs();
                if f1 > best_f1 || (f1 == best_f1 && closer) {
                    (best_t, best_f1) = (t, f1);
                }
            }
            best_t
        })
        .collect();
    let per_label_macro_f1 = evaluate(&Thresholds::PerLabel(per_label.clone())).macro_.f1;
    Calibration { global, global_macro_f1, per_label, per_label_macro_f1 }
}

/// One candidate evidence floor on validation data: the recall of the true labels it keeps,
/// and the share of clips without a label (negatives) it answers with nothing.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FloorPoint {
    pub floor: f32,
    pub recall: f64,
    pub negatives_silenced: f64,
}

/// The evidence floors 0 (no floor), 0.05 … 0.90 on validation data that holds negatives (clips
/// with no label), at `thresholds`.
pub fn evidence_floors(
    scores: &[Vec<f32>],
    evidence: &[Vec<f32>],
    truth: &[Vec<bool>],
    thresholds: &Thresholds,
    n_labels: usize,
) -> Vec<FloorPoint> {
    let negatives: Vec<usize> = (0..truth.len()).filter(|&i| !truth[i].contains(&true)).collect();
    std::iter::once(0.0)
        .chain((1..=18).map(|i| i as f32 * 0.05))
        .map(|floor| {
            let predicted: Vec<Vec<bool>> =
                scores.iter().zip(evidence).map(|(s, e)| shared::aggregate::present(s, e, thresholds, floor)).collect();
            let silenced = negatives.iter().filter(|&&i| !predicted[i].contains(&true)).count();
            FloorPoint {
                floor,
                recall: prf_report(truth, &predicted, n_labels).micro.recall,
                negatives_silenced: silenced as f64 / negatives.len().max(1) as f64,
            }
        })
        .collect()
}

/// The evidence floor to serve: the one with the most recall of true labels plus share of
/// negatives answered with nothing (Youden's J, sensitivity + specificity − 1), ties to the
/// lower floor. It weighs the two errors users meet alike (an instrument missed in music, an
/// instrument named in noise) instead of letting the many negatives or the common labels decide,
/// as micro or macro F1 on validation did: those chose floors that silenced real instruments
/// the model is less sure of on real recordings than on the validation songs.
pub fn evidence_floor(points: &[FloorPoint]) -> FloorPoint {
    points.iter().copied().fold(FloorPoint { floor: 0.0, recall: 0.0, negatives_silenced: 0.0 }, |best, p| {
        if p.recall + p.negatives_silenced > best.recall + best.negatives_silenced + 1e-12 {
            p
        } else {
            best
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_evidence_floor_silences_negatives_but_keeps_true_labels() {
        // Two music clips with evidence 0.7 and 0.6 for their label, two negatives whose top
        // label S2 scores 1.0 with evidence 0.2 and 0.3.
        let scores = vec![vec![1.0, 0.1], vec![0.2, 1.0], vec![1.0, 0.4], vec![0.3, 1.0]];
        let evidence = vec![vec![0.7, 0.05], vec![0.1, 0.6], vec![0.2, 0.05], vec![0.05, 0.3]];
        let truth = vec![vec![true, false], vec![false, true], vec![false, false], vec![false, false]];
        let points = evidence_floors(&scores, &evidence, &truth, &Thresholds::Global(0.5), 2);
        assert_eq!((points[0].floor, points[0].recall, points[0].negatives_silenced), (0.0, 1.0, 0.0));
        let chosen = evidence_floor(&points);
        // The lowest floor that keeps both labels and silences both negatives: 0.35 (0.3 keeps
        // the negative whose evidence is 0.3).
        assert!((chosen.floor - 0.35).abs() < 1e-6, "{chosen:?}");
        assert_eq!((chosen.recall, chosen.negatives_silenced), (1.0, 1.0));
    }

    #[test]
    fn per_label_thresholds_separate_what_a_global_one_cannot() {
        // Label 0 is present iff its score ≥ 0.8; label 1 iff its score ≥ 0.3. No single θ gets
        // both right; per-label thresholds do.
        let scores = vec![vec![0.9, 0.2], vec![0.7, 0.35], vec![1.0, 0.1], vec![0.6, 0.5], vec![0.85, 0.25]];
        let truth: Vec<Vec<bool>> = scores.iter().map(|s| vec![s[0] >= 0.8, s[1] >= 0.3]).collect();
        let c = calibrate(&scores, &truth, 2, Aggregation::S2);
        assert!(c.per_label[0] > 0.7 && c.per_label[0] <= 0.85, "{c:?}");
        assert!(c.per_label[1] > 0.25 && c.per_label[1] <= 0.35, "{c:?}");
        assert_eq!(c.per_label_macro_f1, 1.0);
        assert!(c.global_macro_f1 < 1.0);
    }

    #[test]
    fn labels_without_validation_examples_get_the_global_threshold() {
        let scores = vec![vec![0.9, 0.1, 0.0], vec![0.2, 0.8, 0.0]];
        let truth = vec![vec![true, false, false], vec![false, true, false]];
        let c = calibrate(&scores, &truth, 3, Aggregation::S2);
        assert_eq!(c.per_label[2], c.global);
    }

    #[test]
    fn grids_cover_the_papers_ranges() {
        let s1 = grid(Aggregation::S1);
        assert!(s1.contains(&0.02) && s1.iter().any(|&t| (t - 0.18).abs() < 1e-6));
        let s2 = grid(Aggregation::S2);
        assert!(s2.iter().any(|&t| (t - 0.2).abs() < 1e-6) && s2.iter().any(|&t| (t - 0.6).abs() < 1e-6));
    }
}
