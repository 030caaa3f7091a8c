//! `trainer train`: features → grouped split → training → export → validation metrics.
use std::path::{Path, PathBuf};

use anyhow::Context;
use shared::aggregate::{Aggregation, Thresholds};
use shared::frontend::{FrontEndParams, WindowParams};
use shared::labels::N_LABELS;
use shared::manifest::{Manifest, Training};
use shared::model_dir::ModelDir;
use trainer::data::TrainingData;
use trainer::evaluate::{evaluate_predictions, predict_all};
use trainer::export::{export, load, write_manifest};
use trainer::synth::CorpusRecord;
use trainer::train::{train, window_tensors, Augment, TrainConfig};

use crate::cli::TrainArgs;

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let fe = FrontEndParams::default();
    let window = WindowParams::from_seconds(args.window, &fe)?;
    let device = args.device.resolve()?;
    anyhow::ensure!((0.0..=1.0).contains(&args.mix), "--mix must be between 0 and 1, got {}", args.mix);
    anyhow::ensure!(
        (0.0..0.5).contains(&args.label_smoothing),
        "--label-smoothing must be at least 0 and below 0.5, got {}",
        args.label_smoothing
    );
    anyhow::ensure!((0.0..=40.0).contains(&args.eq_db), "--eq-db must be between 0 and 40, got {}", args.eq_db);
    if let Some(from) = args.average_from {
        anyhow::ensure!(
            (1..=args.epochs).contains(&from),
            "--average-from must be an epoch from 1 to --epochs ({}), got {from}",
            args.epochs
        );
    }
    tracing::info!(?device, window_frames = window.frames, activation = %args.activation, "training");

    let start = args.init_from.as_deref().map(|dir| starting_model(dir, args, &window)).transpose()?;
    let data = TrainingData::load(&args.data, &fe, &args.cache.dir, args.val_fraction, args.seed)?;
    let (clips, features) = (&data.clips, &data.features);
    let (train_idx, val_idx) = (&data.train_idx, &data.val_idx);
    let target = |i: usize| {
        // A negative excerpt (no label) keeps every target at 0.
        let mut t = vec![0.0f32; N_LABELS];
        if let Some(l) = clips[i].label {
            t[l] = 1.0;
        }
        t
    };
    // Training clips are cut without overlap into windows of the chosen length.
    let no_overlap = WindowParams { frames: window.frames, hop_frames: window.frames };
    let subset = |idx: &[usize]| {
        let specs: Vec<_> = idx.iter().map(|&i| &features.items[i].spec).collect();
        let targets: Vec<_> = idx.iter().map(|&i| target(i)).collect();
        window_tensors(&specs, &targets, &no_overlap, fe.silence())
    };
    let (train_set, val_set) = (subset(train_idx), subset(val_idx));
    tracing::info!(
        clips = clips.len(),
        train_clips = train_idx.len(),
        val_clips = val_idx.len(),
        train_windows = train_set.len(),
        val_windows = val_set.len(),
        songs = data.songs(),
        "data ready"
    );

    let config = TrainConfig {
        activation: args.activation,
        max_epochs: args.epochs,
        batch_size: args.batch,
        learning_rate: args.lr,
        patience: args.patience,
        seed: args.seed,
        mix: args.mix,
        augment: Augment { eq_db: args.eq_db, freq_mask: args.freq_mask, time_mask: args.time_mask },
        label_smoothing: args.label_smoothing,
        device,
        log_dir: args.out.clone(),
        init_weights: start.as_ref().map(|(_, weights)| weights.clone()),
        average_from: args.average_from,
    };
    let trained = train(&config, &train_set, &val_set)?;

    let model_id = args
        .model_id
        .clone()
        .unwrap_or_else(|| args.out.file_name().map_or("model".into(), |n| n.to_string_lossy().into_owned()));
    let corpus = CorpusRecord::find(&args.data)?;
    let manifest = Manifest {
        training: Training {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            data: args.data.display().to_string(),
            seed: args.seed,
            validation_fraction: args.val_fraction,
            epochs: trained.log.len(),
            best_epoch: trained.best_epoch,
            validation_loss: trained.best_val_loss,
            metrics: Default::default(),
            corpus: corpus.as_ref().map(serde_json::to_value).transpose()?,
            started_from: start.map(|(id, _)| id),
            averaged_epochs: trained.averaged.map(|(first, last)| [first, last]),
            averaged_models: None,
            data_terms: corpus.as_ref().and_then(corpus_terms),
        },
        ..Manifest::new(&model_id, window, &args.activation.to_string())
    };
    trainer::plots::training_curves(&trained.log, &args.out.join("training_curves.png"))?;
    let mut vs = trained.vs;
    export(&mut vs, &trained.net, manifest, &args.out)?;

    // Clip-level validation metrics of the exported model, as the server will run it.
    let (mut manifest, module) = load(&args.out, device)?;
    // Reported over all validation clips, and apart for real and rendered leads where the corpus
    // has both: the real ones say how the model hears real instruments.
    let (real_idx, rendered_idx) = (data.validation_of(true), data.validation_of(false));
    let mut parts = vec![("validation", val_idx.clone())];
    if !real_idx.is_empty() && !rendered_idx.is_empty() {
        parts.extend([("validation_real", real_idx), ("validation_rendered", rendered_idx)]);
    }
    let mut tables = String::new();
    for (name, idx) in parts.into_iter().filter(|(_, idx)| !idx.is_empty()) {
        let specs: Vec<_> = idx.iter().map(|&i| &features.items[i].spec).collect();
        let preds = predict_all(&module, &specs, &window, fe.silence(), device)?;
        let r = evaluate_predictions(&data.truth(&idx), &preds, Aggregation::S2, &Thresholds::Global(0.5), 0.0);
        let m = &mut manifest.training.metrics;
        m.insert(format!("{name}_micro_f1"), r.report.micro.f1);
        m.insert(format!("{name}_macro_f1"), r.report.macro_.f1);
        m.insert(format!("{name}_lrap"), r.lrap);
        let table = format!("## {name} ({} clips, S2, θ 0.5)\n\n{}\n", idx.len(), r.markdown());
        println!("{table}");
        tables.push_str(&table);
    }
    if !tables.is_empty() {
        std::fs::write(args.out.join("validation.md"), tables).context("writing validation.md")?;
    }
    write_manifest(&args.out, &manifest)?;
    tracing::info!(out = %args.out.display(), best_epoch = trained.best_epoch, "model exported");
    Ok(())
}

/// The id and weights file of the `--init-from` model, once its manifest says it is the network
/// this run trains (activation, window, labels).
fn starting_model(dir: &Path, args: &TrainArgs, window: &WindowParams) -> anyhow::Result<(String, PathBuf)> {
    let model = ModelDir::new(dir);
    let manifest = model.read_manifest()?;
    let what = format!("--init-from {}", dir.display());
    anyhow::ensure!(
        manifest.activation == args.activation.to_string(),
        "{what} has activation {}, this run trains {}",
        manifest.activation,
        args.activation
    );
    anyhow::ensure!(
        manifest.window.frames == window.frames,
        "{what} has windows of {} frames, this run trains {}",
        manifest.window.frames,
        window.frames
    );
    anyhow::ensure!(manifest.labels.len() == N_LABELS, "{what} has {} labels, not {N_LABELS}", manifest.labels.len());
    Ok((manifest.model_id, model.weights()))
}

/// The terms of a corpus whose leads include the real-recordings pack's (it names the pack and a
/// share above 0).
fn corpus_terms(corpus: &CorpusRecord) -> Option<String> {
    let c = &corpus.config;
    (c.real_instruments.is_some() && c.real_share > 0.0).then(|| shared::manifest::REAL_PACK_TERMS.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use trainer::synth::{CorpusConfig, CorpusRecord, CorpusSummary};

    use super::corpus_terms;

    fn corpus(share: f64, pack: Option<&str>) -> CorpusRecord {
        let config = CorpusConfig {
            out: PathBuf::from("corpus"),
            seed: 1,
            train_songs: 10,
            test_clips: 2,
            train_banks: vec![PathBuf::from("a.sf2")],
            test_banks: vec![PathBuf::from("b.sf2")],
            sample_rate: 22_050,
            real_instruments: pack.map(PathBuf::from),
            real_share: share,
            sparse_share: 0.0,
            sparse_rendered_share: 0.0,
            real_backing_share: 0.0,
            negative_share: 0.0,
            real_negatives: None,
            negative_weights: Vec::new(),
            eq_share: 0.0,
        };
        CorpusRecord { config, summary: CorpusSummary::default() }
    }

    #[test]
    fn a_corpus_with_real_leads_carries_the_pack_terms() {
        let pack = Some("../shared/data/real-instruments");
        assert_eq!(corpus_terms(&corpus(0.8, pack)).as_deref(), Some(shared::manifest::REAL_PACK_TERMS));
        assert_eq!(corpus_terms(&corpus(0.0, pack)), None, "no real leads rendered");
        assert_eq!(corpus_terms(&corpus(0.5, None)), None, "General MIDI only");
    }
}
