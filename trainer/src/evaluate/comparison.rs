//! Evaluated runs side by side: the paper's Table IV / V layout and the per-label table.
use shared::labels::LABELS;

use super::bootstrap::paired;
use super::{EvalReport, SweepPoint};

/// Bootstrap resamples of the paired comparison, and its seed (one table, one answer).
const RESAMPLES: usize = 1000;
const BOOTSTRAP_SEED: u64 = 1;

/// One evaluated run: its name, what it was trained with, and its test report.
#[derive(Debug, Clone)]
pub struct Run {
    pub name: String,
    pub activation: String,
    pub window_seconds: f64,
    pub best_epoch: usize,
    pub epochs: usize,
    pub report: EvalReport,
}

/// The sweep point with the highest macro F1 (the first of equals).
pub fn best(points: &[SweepPoint]) -> Option<&SweepPoint> {
    points.iter().fold(None, |b: Option<&SweepPoint>, p| match b {
        Some(b) if b.macro_f1 >= p.macro_f1 => Some(b),
        _ => Some(p),
    })
}

fn cell(p: Option<&SweepPoint>) -> String {
    p.map_or("–".into(), |p| format!("{:.3} / {:.3} (θ {:.2})", p.micro_f1, p.macro_f1, p.threshold))
}

/// The comparison table (F1 at the run's own operating point, at the best S2 and the best S1
/// threshold, LRAP) followed by F1 per label and run; `split` names the evaluation they come
/// from, as the caption says it.
pub fn markdown(title: &str, split: &str, runs: &[Run]) -> String {
    let mut md = format!(
        "## {title}\n\n\
         Micro / macro F1 on {split}. \"S2 θ 0.5\" is the paper's operating \
         point; the S1 and S2 columns give the threshold of each sweep with the best macro F1 \
         (S1 θ 0.02…0.18, S2 θ 0.20…0.60, the paper's ranges), i.e. Table V.\n\n\
         | run | activation | window | epochs (kept) | S2 θ 0.5 micro / macro | best S2 | best S1 | LRAP |\n\
         |---|---|---|---|---|---|---|---|\n"
    );
    for r in runs {
        let rep = &r.report.report;
        md += &format!(
            "| {} | {} | {:.1} s | {} ({}) | {:.3} / {:.3} | {} | {} | {:.3} |\n",
            r.name,
            r.activation,
            r.window_seconds,
            r.epochs,
            r.best_epoch,
            rep.micro.f1,
            rep.macro_.f1,
            cell(best(&r.report.sweep_s2)),
            cell(best(&r.report.sweep_s1)),
            r.report.lrap,
        );
    }
    md += &against_first(runs);
    md += "\nF1 per instrument (S2 θ 0.5)\n\n| label |";
    md += &runs.iter().map(|r| format!(" {} |", r.name)).collect::<String>();
    md += "\n|---|";
    md += &"---|".repeat(runs.len());
    md += "\n";
    for (i, code) in LABELS.iter().enumerate() {
        md += &format!("| {code} |");
        for r in runs {
            md += &r.report.report.per_label.get(i).map_or(" – |".into(), |p| format!(" {:.3} |", p.f1));
        }
        md += "\n";
    }
    md
}

/// Each run against the first on the same clips (paired bootstrap), where the reports carry
/// their per-clip results; empty otherwise.
fn against_first(runs: &[Run]) -> String {
    let Some((base, others)) = runs.split_first() else { return String::new() };
    let rows: Vec<String> = others
        .iter()
        .filter_map(|r| {
            let p = paired(&base.report.per_clip, &r.report.per_clip, RESAMPLES, BOOTSTRAP_SEED)?;
            Some(format!("| {} | {} | {} | {} |\n", r.name, p.micro_f1.cell(), p.macro_f1.cell(), p.lrap.cell()))
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\nAgainst {} on the same clips (S2 θ 0.5; difference, and its 95 % interval from a paired \
         bootstrap of the clips, {RESAMPLES} resamples; * where the interval excludes zero)\n\n\
         | run | Δ micro F1 | Δ macro F1 | Δ LRAP |\n|---|---|---|---|\n{}",
        base.name,
        rows.concat()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{evaluate_predictions, ClipPrediction};
    use shared::aggregate::{Aggregation, Thresholds};
    use shared::labels::N_LABELS;

    fn run(name: &str) -> Run {
        let mut a = vec![0.1; N_LABELS];
        a[0] = 0.9;
        let preds = vec![ClipPrediction { windows: vec![a.clone(), a] }];
        let report = evaluate_predictions(&[vec![0]], &preds, Aggregation::S2, &Thresholds::Global(0.5), 0.0);
        Run { name: name.into(), activation: "tanh".into(), window_seconds: 1.0, best_epoch: 3, epochs: 5, report }
    }

    #[test]
    fn best_picks_highest_macro_and_first_of_equals() {
        let p = |t: f32, m: f64| SweepPoint { threshold: t, micro_f1: 0.0, macro_f1: m };
        let points = [p(0.2, 0.1), p(0.3, 0.5), p(0.4, 0.5), p(0.5, 0.2)];
        assert_eq!(best(&points).map(|p| p.threshold), Some(0.3));
        assert!(best(&[]).is_none());
    }

    #[test]
    fn table_has_a_row_per_run_and_a_column_per_run_in_the_label_table() {
        let md = markdown("Activations", "the held-out-timbre test split", &[run("a"), run("b")]);
        assert!(md.contains("| a | tanh | 1.0 s | 5 (3) |"), "{md}");
        assert!(md.contains("| label | a | b |"), "{md}");
        assert_eq!(md.lines().filter(|l| l.starts_with("| cel |")).count(), 1);
        assert_eq!(md.lines().filter(|l| l.starts_with("| voi |")).count(), 1);
        // The same predictions: no difference, and the interval says so.
        assert!(md.contains("Against a on the same clips"), "{md}");
        assert!(
            md.contains("| b | +0.000 [+0.000, +0.000] | +0.000 [+0.000, +0.000] | +0.000 [+0.000, +0.000] |"),
            "{md}"
        );
    }
}
