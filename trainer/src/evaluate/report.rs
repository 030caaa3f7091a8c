//! Metrics of a set of predictions: the operating point, the threshold sweeps and the tables.
use serde::{Deserialize, Serialize};
use shared::aggregate::{aggregate, evidence, present, Aggregation, Thresholds};
use shared::labels::{LABELS, N_LABELS};
use shared::scoring::{lrap, prf_report, top1, Report};

use super::{ClipPrediction, Confusions};

/// Metrics at one threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepPoint {
    pub threshold: f32,
    pub micro_f1: f64,
    pub macro_f1: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalReport {
    pub clips: usize,
    pub aggregation: Aggregation,
    pub threshold: Option<f32>,
    pub per_label_thresholds: bool,
    pub report: Report,
    pub lrap: f64,
    /// The share of labelled clips whose highest score is a true label (absent from reports
    /// written before it existed).
    #[serde(default)]
    pub top1: f64,
    /// The paper's sweeps: S1 θ = 0.02…0.18, S2 θ = 0.20…0.60.
    pub sweep_s1: Vec<SweepPoint>,
    pub sweep_s2: Vec<SweepPoint>,
    /// Each clip's labels and aggregated scores, in the order evaluated (for paired comparisons
    /// of runs on the same clips; absent from reports written before it existed).
    #[serde(default)]
    pub per_clip: Vec<ClipResult>,
    /// The evidence a label needed besides its score ([`shared::aggregate::present`]).
    #[serde(default)]
    pub evidence_floor: f32,
    /// Labels predicted that the clip does not have, per clip.
    #[serde(default)]
    pub false_labels_per_clip: f64,
    /// Clips in which none of the labels plays (no true label), and the share of them answered
    /// with no label; absent when the set has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negatives: Option<Negatives>,
}

/// How a set's clips without any of the labels were answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Negatives {
    pub clips: usize,
    /// The share answered with no label at all.
    pub no_label_share: f64,
    /// Labels predicted per negative clip.
    pub false_labels_per_clip: f64,
}

/// One evaluated clip: its true label indices, its aggregated scores and the labels predicted at
/// the report's operating point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClipResult {
    pub truth: Vec<usize>,
    pub scores: Vec<f32>,
    pub predicted: Vec<usize>,
}

/// Label indices as one boolean per label.
pub fn multi_hot(labels: &[usize]) -> Vec<bool> {
    (0..N_LABELS).map(|l| labels.contains(&l)).collect()
}

fn sweep(truth: &[Vec<bool>], preds: &[ClipPrediction], how: Aggregation, thresholds: &[f32]) -> Vec<SweepPoint> {
    let scores: Vec<Vec<f32>> = preds.iter().map(|p| aggregate(&p.windows, N_LABELS, how)).collect();
    thresholds
        .iter()
        .map(|&t| {
            let predicted: Vec<Vec<bool>> = scores.iter().map(|s| Thresholds::Global(t).apply(s)).collect();
            let r = prf_report(truth, &predicted, N_LABELS);
            SweepPoint { threshold: t, micro_f1: r.micro.f1, macro_f1: r.macro_.f1 }
        })
        .collect()
}

/// Scores `preds` against `truth` (label indices per clip) with `how`, `thresholds` and the
/// evidence a label needs besides its score, as the server answers.
pub fn evaluate_predictions(
    truth: &[Vec<usize>],
    preds: &[ClipPrediction],
    how: Aggregation,
    thresholds: &Thresholds,
    evidence_floor: f32,
) -> EvalReport {
    let truth_b: Vec<Vec<bool>> = truth.iter().map(|ls| multi_hot(ls)).collect();
    let scores: Vec<Vec<f32>> = preds.iter().map(|p| aggregate(&p.windows, N_LABELS, how)).collect();
    let predicted: Vec<Vec<bool>> = scores
        .iter()
        .zip(preds)
        .map(|(s, p)| present(s, &evidence(&p.windows, N_LABELS), thresholds, evidence_floor))
        .collect();
    let false_labels = |i: usize| predicted[i].iter().zip(&truth_b[i]).filter(|(&p, &t)| p && !t).count() as f64;
    let negative: Vec<usize> = (0..truth.len()).filter(|&i| truth[i].is_empty()).collect();
    let negatives = (!negative.is_empty()).then(|| Negatives {
        clips: negative.len(),
        no_label_share: negative.iter().filter(|&&i| !predicted[i].contains(&true)).count() as f64
            / negative.len() as f64,
        false_labels_per_clip: negative.iter().map(|&i| false_labels(i)).sum::<f64>() / negative.len() as f64,
    });
    let s1: Vec<f32> = (1..=9).map(|i| i as f32 * 0.02).collect();
    let s2: Vec<f32> = (4..=12).map(|i| i as f32 * 0.05).collect();
    EvalReport {
        clips: truth.len(),
        aggregation: how,
        threshold: match thresholds {
            Thresholds::Global(t) => Some(*t),
            Thresholds::PerLabel(_) => None,
        },
        per_label_thresholds: matches!(thresholds, Thresholds::PerLabel(_)),
        report: prf_report(&truth_b, &predicted, N_LABELS),
        lrap: lrap(&truth_b, &scores),
        top1: top1(&truth_b, &scores),
        sweep_s1: sweep(&truth_b, preds, Aggregation::S1, &s1),
        sweep_s2: sweep(&truth_b, preds, Aggregation::S2, &s2),
        per_clip: truth
            .iter()
            .zip(scores.iter().zip(&predicted))
            .map(|(t, (s, p))| ClipResult {
                truth: t.clone(),
                scores: s.clone(),
                predicted: (0..N_LABELS).filter(|&l| p[l]).collect(),
            })
            .collect(),
        evidence_floor,
        false_labels_per_clip: (0..truth.len()).map(false_labels).sum::<f64>() / truth.len().max(1) as f64,
        negatives,
    }
}

impl EvalReport {
    /// A Markdown report in the shape of the paper's Tables IV/V plus the per-label table.
    pub fn markdown(&self) -> String {
        let r = &self.report;
        let threshold = self.threshold.map_or("per-label".to_string(), |t| format!("{t:.2}"));
        let mut md = format!(
            "{} clips, aggregation {}, threshold {threshold}, LRAP {:.3}, right label ranked first {:.3}\n\n\
             | | precision | recall | F1 |\n|---|---|---|---|\n\
             | micro | {:.3} | {:.3} | {:.3} |\n| macro | {:.3} | {:.3} | {:.3} |\n\
             | macro, labels present | {:.3} | {:.3} | {:.3} |\n\n",
            self.clips,
            self.aggregation,
            self.lrap,
            self.top1,
            r.micro.precision,
            r.micro.recall,
            r.micro.f1,
            r.macro_.precision,
            r.macro_.recall,
            r.macro_.f1,
            r.macro_present.precision,
            r.macro_present.recall,
            r.macro_present.f1,
        );
        md += &format!(
            "False labels per clip {:.3} (evidence floor {:.2}).\n\n",
            self.false_labels_per_clip, self.evidence_floor
        );
        if let Some(n) = &self.negatives {
            md += &format!(
                "Clips in which none of the labels plays: {}, answered with no label {:.3}, false labels per such clip {:.3}.\n\n",
                n.clips, n.no_label_share, n.false_labels_per_clip
            );
        }
        md += "| label | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
        for (code, p) in LABELS.iter().zip(&r.per_label) {
            md += &format!("| {code} | {:.3} | {:.3} | {:.3} | {} |\n", p.precision, p.recall, p.f1, p.support);
        }
        if !self.per_clip.is_empty() {
            md += &format!("\n{}", Confusions::of(&self.per_clip).markdown());
        }
        for (name, points) in [("S1", &self.sweep_s1), ("S2", &self.sweep_s2)] {
            md += &format!("\n{name} threshold sweep\n\n| θ | micro F1 | macro F1 |\n|---|---|---|\n");
            for p in points.iter() {
                md += &format!("| {:.2} | {:.3} | {:.3} |\n", p.threshold, p.micro_f1, p.macro_f1);
            }
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(windows: &[[f32; N_LABELS]]) -> ClipPrediction {
        ClipPrediction { windows: windows.iter().map(|w| w.to_vec()).collect() }
    }

    #[test]
    fn perfect_predictions_score_one() {
        let mut a = [0.05; N_LABELS];
        a[6] = 0.9;
        let mut b = [0.05; N_LABELS];
        b[4] = 0.8;
        b[10] = 0.7;
        let preds = vec![clip(&[a, a]), clip(&[b])];
        let r = evaluate_predictions(&[vec![6], vec![4, 10]], &preds, Aggregation::S2, &Thresholds::Global(0.5), 0.0);
        assert_eq!(r.report.micro.f1, 1.0);
        assert_eq!(r.lrap, 1.0);
        assert_eq!(r.sweep_s1.len(), 9);
        assert_eq!(r.sweep_s2.len(), 9);
        assert!((r.sweep_s2[0].threshold - 0.2).abs() < 1e-6 && (r.sweep_s2[8].threshold - 0.6).abs() < 1e-6);
        let md = r.markdown();
        assert!(md.contains("| micro | 1.000 | 1.000 | 1.000 |"), "{md}");
        assert_eq!(r.per_clip.len(), 2);
        assert_eq!((r.per_clip[1].truth.clone(), r.per_clip[1].predicted.clone()), (vec![4, 10], vec![4, 10]));
        assert_eq!(r.per_clip[0].scores[6], 1.0, "S2 scores are normalised by their maximum");
        assert_eq!(r.false_labels_per_clip, 0.0);
        assert!(r.negatives.is_none());
    }

    #[test]
    fn negatives_count_clips_answered_with_nothing_and_false_labels() {
        // Three clips without a label: one with no window (all silent), one weak everywhere,
        // one where the model is sure of two labels.
        let weak = [0.05; N_LABELS];
        let mut sure = [0.05; N_LABELS];
        sure[2] = 0.9;
        sure[3] = 0.8;
        let preds = vec![ClipPrediction { windows: Vec::new() }, clip(&[weak, weak]), clip(&[sure])];
        let truth = vec![vec![], vec![], vec![]];
        let loose = evaluate_predictions(&truth, &preds, Aggregation::S2, &Thresholds::Global(0.5), 0.0);
        let n = loose.negatives.unwrap();
        // Without an evidence floor S2 names the top label of the weak clip.
        assert_eq!(n.clips, 3);
        assert!((n.no_label_share - 1.0 / 3.0).abs() < 1e-9, "{n:?}");
        let strict = evaluate_predictions(&truth, &preds, Aggregation::S2, &Thresholds::Global(0.5), 0.5);
        let n = strict.negatives.clone().unwrap();
        assert!((n.no_label_share - 2.0 / 3.0).abs() < 1e-9 && (n.false_labels_per_clip - 2.0 / 3.0).abs() < 1e-9);
        assert!(strict.markdown().contains("answered with no label 0.667"), "{}", strict.markdown());
    }
}
