//! `trainer calibrate`: thresholds chosen on the validation split, written into the manifest.
use std::collections::BTreeMap;
use std::path::PathBuf;

use shared::aggregate::{aggregate, evidence, Thresholds};
use shared::frontend::FrontEndParams;
use shared::labels::{LABELS, N_LABELS};
use trainer::calibrate::{calibrate, evidence_floor, evidence_floors};
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
    // thresholds the manifest serves); it is what lets the model answer "none of them". Chosen
    // on the negatives and the songs led by held-out real performers: the model is surer of
    // its rendered training timbres than of any real recording, and a floor chosen on those
    // would silence real instruments.
    let chosen: Vec<usize> = (0..data.val_idx.len())
        .filter(|&k| {
            let clip = &data.clips[data.val_idx[k]];
            clip.label.is_none() || clip.material.is_real()
        })
        .collect();
    let negatives = chosen.iter().filter(|&&k| !truth[k].contains(&true)).count();
    let served: Thresholds =
        manifest.thresholds(None).map_err(|e| anyhow::anyhow!("the manifest's thresholds: {e}"))?;
    let floor = (negatives > 0 && negatives < chosen.len()).then(|| {
        let pick = |v: &[Vec<f32>]| chosen.iter().map(|&k| v[k].clone()).collect::<Vec<_>>();
        let ev: Vec<Vec<f32>> = preds.iter().map(|p| evidence(&p.windows, N_LABELS)).collect();
        let t: Vec<Vec<bool>> = chosen.iter().map(|&k| truth[k].clone()).collect();
        evidence_floors(&pick(&scores), &pick(&ev), &t, &served, N_LABELS)
    });
    if let Some(points) = floor {
        println!("| evidence floor | recall | negatives answered with nothing |\n|---|---|---|");
        for p in &points {
            println!("| {:.2} | {:.3} | {:.3} |", p.floor, p.recall, p.negatives_silenced);
        }
        let f = evidence_floor(&points);
        manifest.evidence_floor = Some(f.floor);
        let m = &mut manifest.training.metrics;
        m.insert("calibration_evidence_floor_recall".into(), f.recall);
        m.insert("calibration_evidence_floor_negatives_silenced".into(), f.negatives_silenced);
        println!(
            "evidence floor {:.2}: recall {:.3}, negatives answered with nothing {:.3} ({negatives} negative and {} real-lead validation clips)",
            f.floor,
            f.recall,
            f.negatives_silenced,
            chosen.len() - negatives
        );
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
