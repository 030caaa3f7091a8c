//! The whole training path on a tiny generated dataset: train → export → evaluate, with the real
//! `trainer` binary; plus determinism for a seed on CPU.
#[path = "trainer_common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn trainer(args: &[&str]) -> std::process::Output {
    let out = Command::new(e2e::binary("trainer")).args(args).env("RUST_BACKTRACE", "0").output().unwrap();
    assert!(out.status.success(), "trainer {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn workdir(name: &str) -> PathBuf {
    e2e::fresh_scratch_dir(&format!("trainer-e2e-{name}"))
}

/// A tiny generated dataset of `per_label` clips per label in a fresh folder, and its feature cache.
fn tiny_dataset(name: &str, per_label: usize) -> (PathBuf, PathBuf) {
    let dir = workdir(name);
    common::make_dataset(&dir, per_label);
    let cache = dir.join("cache");
    (dir, cache)
}

/// `trainer train` on the dataset in `data` with `extra` flags, which it must refuse; what it said.
fn train_refused(data: &Path, cache: &Path, extra: &[&str]) -> String {
    let out = Command::new(e2e::binary("trainer"))
        .args(["train", "--data", data.to_str().unwrap(), "--out", data.join("bad").to_str().unwrap()])
        .args(["--cache-dir", cache.to_str().unwrap(), "--device", "cpu"])
        .args(extra)
        .output()
        .unwrap();
    assert!(!out.status.success(), "trainer train {extra:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A JSON file the trainer wrote.
fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The trained weights of a model folder, as bytes.
fn weights(model: &Path) -> Vec<u8> {
    std::fs::read(model.join("weights.safetensors")).unwrap()
}

fn train(data: &Path, out: &Path, cache: &Path, epochs: &str, seed: &str, extra: &[&str]) {
    let mut args = vec![
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
        "--epochs",
        epochs,
        "--batch",
        "32",
        "--seed",
        seed,
        "--device",
        "cpu",
        "--val-fraction",
        "0.25",
    ];
    args.extend_from_slice(extra);
    trainer(&args);
}

/// `trainer evaluate` of `model` on `data` on the CPU, with `extra` flags.
fn evaluate(model: &Path, data: &Path, cache: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["evaluate", "--model", model.to_str().unwrap(), "--data", data.to_str().unwrap()];
    args.extend(["--cache-dir", cache.to_str().unwrap(), "--device", "cpu"]);
    args.extend_from_slice(extra);
    trainer(&args)
}

#[test]
fn train_export_evaluate_on_a_tiny_dataset() {
    let dir = workdir("full");
    common::make_dataset(&dir, 6);
    let (model, cache) = (dir.join("model"), dir.join("cache"));
    // 16 epochs with early stopping off: the validation split holds one or two songs a label, so
    // its loss is too noisy to stop on, and with fewer epochs some seeds had not yet separated the
    // timbres (seeds 1-6 at 16 epochs: the right label first on 6/6 test clips, macro F1 0.82-0.93).
    train(&dir, &model, &cache, "16", "1", &["--patience", "16"]);

    for f in [
        "model.pt",
        "weights.safetensors",
        "manifest.json",
        "training_log.csv",
        "training_log.json",
        "validation.md",
        "training_curves.png",
    ] {
        assert!(model.join(f).exists(), "{f} missing");
    }
    let manifest = json(&model.join("manifest.json"));
    assert_eq!(manifest["window"]["frames"], 43);
    assert_eq!(manifest["activation"], "lrelu:0.33");
    assert!(manifest["training"]["metrics"]["validation_macro_f1"].is_number());
    let log = json(&model.join("training_log.json"));
    let log = log.as_array().unwrap();
    let loss = |e: &Value| e["train_loss"].as_f64().unwrap();
    assert!(loss(log.last().unwrap()) < loss(&log[0]), "training loss did not fall: {log:?}");

    let out = trainer(&[
        "calibrate",
        "--model",
        model.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    println!("{}", String::from_utf8_lossy(&out.stdout));
    let manifest = json(&model.join("manifest.json"));
    assert_eq!(manifest["label_thresholds"].as_object().map(|m| m.len()), Some(11), "{manifest}");

    let out = evaluate(&model, &dir.join("test"), &cache, &[]);
    let md = String::from_utf8_lossy(&out.stdout);
    println!("{}\n{md}", std::fs::read_to_string(model.join("training_log.csv")).unwrap());
    assert!(md.contains("| micro |") && md.contains("S2 threshold sweep"), "{md}");
    let report = json(&model.join("evaluation.json"));
    assert_eq!(report["clips"], 6);
    assert_eq!(report["per_label_thresholds"], true);
    for f in ["evaluation.md", "f1_vs_threshold.png", "f1_per_label.png"] {
        assert!(model.join(f).exists(), "{f} missing");
    }
    if let Ok(keep) = std::env::var("KEEP_E2E_OUTPUT") {
        for f in ["training_curves.png", "f1_vs_threshold.png", "f1_per_label.png"] {
            std::fs::copy(model.join(f), Path::new(&keep).join(f)).unwrap();
        }
    }
    // It learned to tell the three timbres apart: on the six held-out clips (four of one
    // instrument, two mixtures of two) the right label comes first on at least five, and F1 over
    // the three labels is well above what an untrained network gets (top-1 about 1/3).
    let (top1, macro_f1) =
        (report["top1"].as_f64().unwrap(), report["report"]["macro_present"]["f1"].as_f64().unwrap());
    assert!(top1 >= 5.0 / 6.0 - 1e-9 && macro_f1 >= 0.7, "top-1 {top1}, macro F1 {macro_f1}:\n{md}");

    // Runs side by side: `compare` reads DIR/model/manifest.json and DIR/<split>/evaluation.json.
    evaluate(&model, &dir.join("test"), &cache, &["--out", dir.join("heldout").to_str().unwrap()]);
    let table = dir.join("compare/tiny");
    trainer(&[
        "compare",
        "--title",
        "Tiny",
        "--split",
        "heldout",
        "--out",
        table.to_str().unwrap(),
        "--run",
        &format!("first={}", dir.display()),
        "--run",
        &format!("again={}", dir.display()),
    ]);
    let md = std::fs::read_to_string(dir.join("compare/tiny.md")).unwrap();
    assert!(md.contains("## Tiny") && md.contains("the `heldout` evaluation"), "{md}");
    assert!(md.contains("| first | lrelu:0.33 | 1.0 s | 16 (") && md.contains("| again |"), "{md}");
    for f in ["tiny-threshold.png", "tiny-per-label.png"] {
        assert!(dir.join("compare").join(f).exists(), "{f} missing");
    }

    // The paper's analyses of the trained network (Fig. 6 and 7).
    let figs = dir.join("figures");
    trainer(&[
        "tsne",
        "--model",
        model.to_str().unwrap(),
        "--out",
        figs.to_str().unwrap(),
        "--per-label",
        "4",
        "--iterations",
        "250",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    let tsne = json(&figs.join("tsne.json"));
    for split in ["train", "validation"] {
        assert!(figs.join(format!("tsne-{split}.png")).exists());
        let layers = tsne[split]["embeddings"].as_array().unwrap();
        assert_eq!(layers.len(), 6);
        assert_eq!(layers[0].as_array().unwrap().len(), tsne[split]["labels"].as_array().unwrap().len());
    }
    let clip = std::fs::read_dir(dir.join("test"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "wav"))
        .unwrap();
    trainer(&[
        "deconv",
        "--model",
        model.to_str().unwrap(),
        "--input",
        clip.to_str().unwrap(),
        "--out",
        figs.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    let units = json(&figs.join("deconv.json"));
    assert_eq!(units.as_array().unwrap().len(), 8, "two units for each of the four blocks");
    assert!(figs.join("deconv.png").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn training_is_deterministic_for_a_seed_on_cpu() {
    let (dir, cache) = tiny_dataset("determinism", 3);
    let (a, b, plain) = (dir.join("a"), dir.join("b"), dir.join("plain"));
    // With every augmentation on: mixing, equalisation and masks draw from the seeded generator.
    let augment = ["--mix", "0.5", "--eq-db", "6", "--freq-mask", "16", "--time-mask", "8"];
    train(&dir, &a, &cache, "1", "5", &augment);
    train(&dir, &b, &cache, "1", "5", &augment);
    train(&dir, &plain, &cache, "1", "5", &[]);
    assert_eq!(weights(&a), weights(&b), "same seed, different weights");
    assert_ne!(weights(&a), weights(&plain), "the augmentation flags changed nothing");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn label_smoothing_softens_the_training_targets_within_its_bound() {
    let (dir, cache) = tiny_dataset("smoothing", 3);
    let (plain, smoothed) = (dir.join("plain"), dir.join("smoothed"));
    train(&dir, &plain, &cache, "2", "5", &[]);
    train(&dir, &smoothed, &cache, "2", "5", &["--label-smoothing", "0.1"]);
    assert_ne!(weights(&plain), weights(&smoothed), "--label-smoothing changed nothing");
    // Every target is 0.05 or 0.95, so no epoch's loss can go below the entropy of 0.05.
    let floor = -(0.05f64 * 0.05f64.ln() + 0.95 * 0.95f64.ln());
    for epoch in json(&smoothed.join("training_log.json")).as_array().unwrap() {
        assert!(epoch["train_loss"].as_f64().unwrap() >= floor - 1e-6, "{epoch}");
    }
    let stderr = train_refused(&dir, &cache, &["--label-smoothing", "0.5"]);
    assert!(stderr.contains("--label-smoothing must be at least 0 and below 0.5, got 0.5"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn training_can_start_from_a_model_folder() {
    let (dir, cache) = tiny_dataset("init-from", 3);
    let (first, again, still) = (dir.join("first"), dir.join("again"), dir.join("still"));
    train(&dir, &first, &cache, "2", "1", &[]);
    let from = ["--init-from", first.to_str().unwrap()];
    // A second phase at a lower learning rate starts where the first ended, not from scratch.
    train(&dir, &again, &cache, "1", "2", &[&from[..], &["--lr", "0.0001"]].concat());
    let log = |p: &Path| json(&p.join("training_log.json"));
    let loss = |e: &Value| e["train_loss"].as_f64().unwrap();
    assert!(loss(&log(&again)[0]) < loss(&log(&first)[0]), "{:?} against {:?}", log(&again), log(&first));
    let manifest = json(&again.join("manifest.json"));
    assert_eq!(manifest["training"]["started_from"], "first");
    // Without a learning rate no epoch beats the starting weights, which come back unchanged.
    train(&dir, &still, &cache, "1", "2", &[&from[..], &["--lr", "0"]].concat());
    assert_eq!(weights(&still), weights(&first), "the starting weights were not kept");
    // Another network is refused with the reason.
    let stderr = train_refused(&dir, &cache, &[&["--window", "0.5"], &from[..]].concat());
    assert!(stderr.contains("windows of 43 frames, this run trains 22"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn training_can_average_the_weights_of_its_last_epochs() {
    let (dir, cache) = tiny_dataset("average", 3);
    let (plain, averaged) = (dir.join("plain"), dir.join("averaged"));
    // With no learning rate the validation loss never improves after epoch 1, so a patience of 1
    // stops a plain run at epoch 2; averaging turns early stopping off and runs every epoch.
    let frozen = ["--lr", "0", "--patience", "1"];
    train(&dir, &plain, &cache, "3", "3", &frozen);
    train(&dir, &averaged, &cache, "3", "3", &[&frozen[..], &["--average-from", "2"]].concat());
    let epochs = |p: &Path| json(&p.join("training_log.json")).as_array().unwrap().len();
    assert_eq!((epochs(&plain), epochs(&averaged)), (2, 3));
    let manifest = json(&averaged.join("manifest.json"));
    assert_eq!(manifest["training"]["averaged_epochs"], serde_json::json!([2, 3]));
    assert!(json(&plain.join("manifest.json"))["training"].get("averaged_epochs").is_none());
    // The mean of weights that never moved is those weights.
    assert_eq!(weights(&averaged), weights(&plain));
    // With a learning rate, the mean of epochs 2 and 3 is neither epoch's weights.
    let (moving, last) = (dir.join("moving"), dir.join("last"));
    train(&dir, &moving, &cache, "3", "3", &["--average-from", "2"]);
    train(&dir, &last, &cache, "3", "3", &["--average-from", "3"]);
    assert_ne!(weights(&moving), weights(&last));
    // An epoch the run never reaches is refused with the reason.
    let stderr = train_refused(&dir, &cache, &["--epochs", "3", "--average-from", "5"]);
    assert!(stderr.contains("--average-from must be an epoch from 1 to --epochs (3)"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
