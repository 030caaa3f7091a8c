//! `trainer experiment` end to end on a tiny table: it renders the corpus, trains a run and a
//! second phase from it, averages the two, measures them on real recordings and held-out
//! timbres, compares them, publishes the mean as a default model is published, makes nothing
//! twice, and refuses a misspelt setting before it starts.
use std::path::Path;
use std::process::{Command, Output};

use e2e::{binary, fresh_scratch_dir, repo_root};
use serde_json::Value;

fn table(dir: &Path, train_setting: &str) -> String {
    format!(
        r#"
results = "{results}"
work = "{work}"
sets = [{{ held-out-timbres = {{ corpus = "tiny", split = "test" }} }}, "real-dev"]

[corpus_defaults]
train_bank = ["/usr/share/sounds/sf2/FluidR3_GM.sf2"]
test_bank = ["/usr/share/sounds/sf2/TimGM6mb.sf2"]

[corpora]
tiny = {{ hours = 0.01, seed = 3, test_clips = 4 }}

[[runs]]
name = "first"
corpus = "tiny"
train = {{ seed = 1, epochs = 1, patience = 1, {train_setting} }}

[[runs]]
name = "second"
corpus = "tiny"
init_from = "first"
train = {{ seed = 2, epochs = 1, patience = 1, lr = 0.0005 }}

[[runs]]
name = "mean"
average = ["first", "second"]

[[compare]]
out = "compare-{{split}}"
title = "Tiny"
runs = ["first", "mean"]
"#,
        results = dir.join("results").display(),
        work = dir.join("work").display()
    )
}

fn trainer(args: &[&str]) -> Output {
    let out = Command::new(binary("trainer"))
        .current_dir(repo_root())
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("run the trainer");
    out
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_table_is_made_measured_and_compared_once() {
    let dir = fresh_scratch_dir("experiment");
    let recipe = dir.join("tiny.toml");
    let published = dir.join("published");
    let publish = format!(
        "\n[publish]\nrun = \"mean\"\nmodel_id = \"tiny-v1\"\nout = \"{}\"\nkeep_corpora = [\"tiny\"]\nkeep_logs = [\"first\"]\n",
        published.display()
    );
    std::fs::write(&recipe, table(&dir, "mix = 0.5") + &publish).unwrap();
    let recipe = recipe.to_str().unwrap();

    let out = trainer(&["experiment", recipe]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (work, results) = (dir.join("work"), dir.join("results"));
    // The second phase started from the first; the mean names both, in order.
    let second = json(&work.join("second/model/manifest.json"));
    assert_eq!(second["training"]["started_from"], "first");
    let mean = json(&work.join("mean/model/manifest.json"));
    assert_eq!(mean["training"]["averaged_models"], serde_json::json!(["first", "second"]));
    // Every run measured on both sets, and kept where the tables are made from.
    for run in ["first", "second", "mean"] {
        let real = json(&results.join(run).join("real-dev/evaluation.json"));
        assert_eq!(real["clips"], 44, "{run} on real-dev");
        let timbres = json(&results.join(run).join("test/evaluation.json"));
        assert_eq!(timbres["clips"], 4, "{run} on the test clips");
        assert!(results.join(run).join("model/manifest.json").is_file());
    }
    for split in ["test", "real-dev"] {
        let table = std::fs::read_to_string(results.join(format!("compare-{split}.md"))).unwrap();
        assert!(table.contains("first") && table.contains("mean"), "{table}");
    }

    // Published: the mean under its model id, every set recorded in its manifest, tables and
    // figures in `results`, the bf16 export beside it measured the same way.
    let manifest = json(&published.join("manifest.json"));
    assert_eq!(manifest["model_id"], "tiny-v1");
    assert_eq!(manifest["model_sha256"], mean["model_sha256"], "the mean's weights, unchanged");
    let bf16 = json(&published.join("bf16/manifest.json"));
    assert_eq!(bf16["precision"], "bf16");
    for m in [&manifest, &bf16] {
        let metrics = &m["training"]["metrics"];
        assert!(metrics["real_dev_lrap"].is_f64() && metrics["test_micro_f1"].is_f64(), "{metrics}");
    }
    for f in ["model.pt", "strip.pt", "weights.safetensors", "bf16/model.pt", "bf16/strip.pt"] {
        assert!(published.join(f).is_file(), "{f}");
    }
    for f in ["real-dev/evaluation.md", "test/evaluation.json", "corpus-tiny.json", "training_log-first.csv"] {
        assert!(results.join(f).is_file(), "{f}");
    }

    // Again: nothing is rendered or trained anew.
    let trained = |run: &str| std::fs::metadata(work.join(run).join("model/model.pt")).unwrap().modified().unwrap();
    let before: Vec<_> = ["first", "second", "mean"].map(trained).into();
    let corpus_json = work.join("corpora/tiny/corpus.json");
    let corpus_before = std::fs::metadata(&corpus_json).unwrap().modified().unwrap();
    let out = trainer(&["experiment", recipe, "--until", "mean"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(mean["model_sha256"].as_str().unwrap()), "{said}");
    assert_eq!(before, ["first", "second", "mean"].map(trained));
    assert_eq!(corpus_before, std::fs::metadata(&corpus_json).unwrap().modified().unwrap());
    let out = trainer(&["experiment", recipe, "--corpus", "tiny"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), work.join("corpora/tiny").to_str().unwrap());
}

#[test]
fn a_misspelt_setting_is_refused_before_anything_is_made() {
    let dir = fresh_scratch_dir("experiment-misspelt");
    let recipe = dir.join("tiny.toml");
    std::fs::write(&recipe, table(&dir, "mixx = 0.5")).unwrap();
    let out = trainer(&["experiment", recipe.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("run first") && said.contains("--mixx"), "{said}");
    assert!(!dir.join("work").exists(), "something was made");
}
