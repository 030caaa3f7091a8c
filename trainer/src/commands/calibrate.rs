//! `trainer calibrate`: thresholds chosen on the validation split, written into the manifest.
use std::collections::BTreeMap;
use std::path::PathBuf;

use shared::aggregate::{aggregate, evidence, Thresholds};
use shared::frontend::FrontEndParams;
use shared::labels::{LABELS, N_LABELS};
use trainer::calibrate::{calibrate, evidence_floor};
use trainer::data::TrainingData;
use trainer::evaluate::predict_all;
use trainer::export::{load, write_manifest};

use crate::cli::CalibrateArgs;

pub fn run(args: &CalibrateArgs) -> anyhow::Result<()> {
    let device = args.device.resolve()?;
    let (mut manifest, module) = load(&args.model, device)?;
    let fe = FrontEndParams::default();
    let data_dir = args.data.clone().unwrap_or_else(|| PathBuf::from(&manifest.training.data));
    let t = &manifest.training;
    let data = TrainingData::load(&data_dir, &fe, &args.cache.dir, t.validation_fraction, t.seed)?;
    anyhow::ensure!(!data.val_idx.is_empty(), "the validation split of {} is empty", data_dir.display());
    let specs: Vec<_> = data.val_idx.iter().map(|&i| &data.features.items[i].spec).collect();
    let preds = predict_all(&module, &specs, &manifest.window, fe.silence(), device)?;
    let scores: Vec<Vec<f32>> = preds.iter().map(|p| aggregate(&p.windows, N_LABELS, manifest.aggregation)).collect();
    let truth: Vec<Vec<bool>> =
        data.truth(&data.val_idx).iter().map(|ls| (0..N_LABELS).map(|l| ls.contains(&l)).collect()).collect();
    let c = calibrate(&scores, &truth, N_LABELS, manifest.aggregation);
    // With negatives in validation, the evidence a label needs besides its score (at the
    // thresholds the manifest serves); it is what lets the model answer "none of them".
    let negatives = truth.iter().filter(|t| !t.contains(&true)).count();
    let served: Thresholds =
        manifest.thresholds(None).map_err(|e| anyhow::anyhow!("the manifest's thresholds: {e}"))?;
    let floor = (negatives > 0).then(|| {
        let ev: Vec<Vec<f32>> = preds.iter().map(|p| evidence(&p.windows, N_LABELS)).collect();
        evidence_floor(&scores, &ev, &truth, &served, N_LABELS)
    });
    if let Some((f, micro)) = floor {
        manifest.evidence_floor = Some(f);
        manifest.training.metrics.insert("calibration_evidence_floor_micro_f1".into(), micro);
        println!("{negatives} negative validation clips: evidence floor {f:.2} (micro F1 {micro:.3})");
    }
    let m = &mut manifest.training.metrics;
    if args.record_only {
        m.insert("calibrated_threshold_global".into(), c.global as f64);
        for (l, t) in LABELS.iter().zip(&c.per_label) {
            m.insert(format!("calibrated_threshold_{l}"), *t as f64);
        }
    } else {
        manifest.threshold = c.global;
        manifest.label_thresholds =
            Some(LABELS.iter().map(|l| l.to_string()).zip(c.per_label.iter().copied()).collect::<BTreeMap<_, _>>());
    }
    m.insert("calibration_global_macro_f1".into(), c.global_macro_f1);
    m.insert("calibration_per_label_macro_f1".into(), c.per_label_macro_f1);
    write_manifest(&args.model, &manifest)?;
    println!("validation clips: {}, aggregation {}", data.val_idx.len(), manifest.aggregation);
    println!(
        "global θ {:.2} (macro F1 {:.3}); per-label macro F1 {:.3}",
        c.global, c.global_macro_f1, c.per_label_macro_f1
    );
    if args.record_only {
        println!("recorded only: the manifest keeps θ {:.2} and no per-label thresholds", manifest.threshold);
    }
    println!("| label | θ |\n|---|---|");
    for (l, t) in LABELS.iter().zip(&c.per_label) {
        println!("| {l} | {t:.2} |");
    }
    Ok(())
}
