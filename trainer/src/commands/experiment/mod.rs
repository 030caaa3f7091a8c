//! `trainer experiment FILE.toml`: makes what a recipe's runs need and the work folder lacks
//! (corpora, trainings, means of weights), measures the runs on the recipe's visible sets, keeps
//! what the tables are made from in `results`, compares the runs clip by clip, and publishes the
//! default model where the recipe says so. Every step is the `trainer` subcommand of its name,
//! run in this process with the settings the recipe gives it.
mod recipe;
mod sets;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;
use shared::manifest::Manifest;
use shared::model_dir::ModelDir;

use trainer::synth::CorpusRecord;

use crate::cli::{Command, ExperimentArgs};
use recipe::command;
pub use recipe::{How, Recipe, Set};

pub fn run(args: &ExperimentArgs) -> anyhow::Result<()> {
    let mut recipe = Recipe::load(&args.recipe)?;
    for given in &args.given {
        let (name, dir) = given.split_once('=').with_context(|| format!("--given {given}: expected NAME=DIR"))?;
        let run = recipe.runs.iter_mut().find(|r| r.name == name).with_context(|| format!("--given: no run {name}"))?;
        anyhow::ensure!(dir_has_model(Path::new(dir)), "--given {name}: {dir} holds no model (manifest.json)");
        run.how = How::Given(PathBuf::from(dir));
        run.calibrate = false;
    }
    let runner = Runner { recipe: &recipe, device: args.device.clone() };
    std::fs::create_dir_all(&recipe.work).with_context(|| format!("creating {}", recipe.work.display()))?;
    if let Some(name) = &args.corpus {
        println!("{}", runner.corpus(name)?.display());
        return Ok(());
    }
    if let Some(name) = &args.until {
        let dir = runner.model(name)?;
        let manifest = read_manifest(&dir)?;
        println!("{name}: {} (model.pt sha256 {})", dir.display(), manifest.model_sha256);
        return Ok(());
    }
    for name in &args.only {
        recipe.run(name)?;
    }
    for name in recipe.evaluate.iter().filter(|n| args.only.is_empty() || args.only.contains(n)) {
        runner.measure(name)?;
    }
    for c in &recipe.compare {
        runner.compare(c)?;
    }
    if let Some(p) = &recipe.publish {
        runner.publish(p)?;
    }
    println!("tables and figures in {}", recipe.results.display());
    Ok(())
}

fn dir_has_model(dir: &Path) -> bool {
    dir.join("manifest.json").is_file()
}

fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    Ok(ModelDir::new(dir).read_manifest()?)
}

struct Runner<'a> {
    recipe: &'a Recipe,
    device: String,
}

impl Runner<'_> {
    fn work(&self, sub: impl AsRef<Path>) -> PathBuf {
        self.recipe.work.join(sub)
    }

    /// Corpus `name`, rendered unless the work folder has it whole (`corpus.json` is written last).
    fn corpus(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.work("corpora").join(name);
        if dir.join(CorpusRecord::FILE).is_file() {
            return Ok(dir);
        }
        let args = self.recipe.synth_args(name, &dir)?;
        eprintln!("[experiment] corpus {name}: rendering into {}", dir.display());
        fresh_dir(&dir)?;
        super::synth::run(&args).with_context(|| format!("corpus {name}"))?;
        Ok(dir)
    }

    /// Run `name`'s model folder, made (with what it needs) unless the work folder has it.
    fn model(&self, name: &str) -> anyhow::Result<PathBuf> {
        let run = self.recipe.run(name)?;
        let out = self.work(name).join("model");
        match &run.how {
            How::Given(dir) => return Ok(dir.clone()),
            _ if dir_has_model(&out) => return Ok(out),
            How::Train { corpus, init_from, .. } => {
                let from = init_from.as_deref().map(|f| self.model(f)).transpose()?;
                let data = self.corpus(corpus)?;
                let args = self.recipe.train_args(run, &data, &out, from.as_deref(), &self.device)?;
                eprintln!("[experiment] run {name}: training on corpus {corpus}");
                fresh_dir(&self.work(name))?;
                super::train::run(&args).with_context(|| format!("run {name}"))?;
                copy(&data.join(CorpusRecord::FILE), &self.work(name).join(CorpusRecord::FILE))?;
            }
            How::Average(of) => {
                let dirs = of.iter().map(|o| self.model(o)).collect::<anyhow::Result<Vec<_>>>()?;
                eprintln!("[experiment] run {name}: the mean of {}", of.join(", "));
                fresh_dir(&self.work(name))?;
                trainer::export::soup(&dirs, &out, Some(name), tch::Device::Cpu)
                    .with_context(|| format!("run {name}"))?;
            }
        }
        if run.calibrate {
            self.calibrate(&out)?;
        }
        Ok(out)
    }

    /// `trainer calibrate --record-only`: the evidence floor the model is served with, and its
    /// per-label thresholds recorded.
    fn calibrate(&self, model: &Path) -> anyhow::Result<()> {
        let argv: Vec<OsString> = vec![
            "calibrate".into(),
            "--model".into(),
            model.into(),
            "--device".into(),
            (&self.device).into(),
            "--cache-dir".into(),
            self.work("features").into(),
            "--record-only".into(),
        ];
        let Command::Calibrate(args) = command(argv)? else { unreachable!("calibrate parses into Calibrate: a bug") };
        super::calibrate::run(&args)
    }

    /// What `set` is evaluated on for run `run`: a labels table or a folder of test clips.
    fn data(&self, set: &Set, run: &str) -> anyhow::Result<PathBuf> {
        sets::data(set, &self.work("sets"), |corpus| self.corpus(corpus), || self.own_corpus(run))
    }

    fn own_corpus(&self, run: &str) -> anyhow::Result<PathBuf> {
        match &self.recipe.run(run)?.how {
            How::Train { corpus, .. } => self.corpus(corpus),
            _ => anyhow::bail!("run {run} is not trained here, so it has no corpus of its own"),
        }
    }

    fn evaluate(&self, model: &Path, data: &Path, out: &Path, record: Option<&str>) -> anyhow::Result<()> {
        let mut argv: Vec<OsString> = vec!["evaluate".into(), "--model".into(), model.into(), "--data".into()];
        argv.extend([data.into(), "--out".into(), out.into(), "--device".into(), (&self.device).into()]);
        argv.extend(["--cache-dir".into(), self.work("features").into()]);
        // The recipes' runs are compared at the paper's θ; the published model at its manifest's.
        match record {
            Some(name) => argv.extend(["--record".into(), name.into()]),
            None => argv.extend(["--threshold".into(), "0.5".into()]),
        }
        let Command::Evaluate(args) = command(argv)? else { unreachable!("evaluate parses into Evaluate: a bug") };
        super::evaluate::evaluate(&args).with_context(|| format!("{} on {}", model.display(), data.display()))?;
        Ok(())
    }

    /// Makes run `name`, evaluates it on every set and keeps in `results` what the tables are
    /// made from, so a later run of the recipe compares against it without making it again.
    fn measure(&self, name: &str) -> anyhow::Result<()> {
        let model = self.model(name)?;
        let kept = self.recipe.results.join(name);
        for set in &self.recipe.sets {
            let data = self.data(set, name)?;
            let out = self.work(name).join(set.split());
            eprintln!("[experiment] run {name}: evaluating on {}", set.split());
            self.evaluate(&model, &data, &out, None)?;
            std::fs::create_dir_all(kept.join(set.split()))?;
            copy(&out.join("evaluation.json"), &kept.join(set.split()).join("evaluation.json"))?;
        }
        std::fs::create_dir_all(kept.join("model"))?;
        copy(&model.join("manifest.json"), &kept.join("model/manifest.json"))?;
        for (from, to) in [
            (model.join("training_log.csv"), "training_log.csv"),
            (model.join("validation.md"), "validation.md"),
            (self.work(name).join(CorpusRecord::FILE), CorpusRecord::FILE),
        ] {
            if from.is_file() {
                copy(&from, &kept.join(to))?;
            }
        }
        Ok(())
    }

    /// For each set, the runs that `results` keeps an evaluation of, against the first.
    fn compare(&self, c: &recipe::Compare) -> anyhow::Result<()> {
        let results = &self.recipe.results;
        for set in &self.recipe.sets {
            let split = set.split();
            let (kept, missing): (Vec<&String>, Vec<&String>) =
                c.runs.iter().partition(|n| results.join(n).join(&split).join("evaluation.json").is_file());
            if !missing.is_empty() {
                eprintln!("[experiment] compare {}: no kept evaluation on {split} of {missing:?}", c.out);
            }
            let runs: Vec<String> = kept.iter().map(|n| format!("{n}={}", results.join(n).display())).collect();
            if runs.len() < 2 {
                continue;
            }
            let title = format!("{} ({split})", c.title);
            let out = results.join(c.out.replace("{split}", &split));
            let mut argv: Vec<OsString> = vec!["compare".into(), "--title".into(), title.into()];
            argv.extend(["--split".into(), (&split).into(), "--out".into(), out.into()]);
            for r in runs {
                argv.extend(["--run".into(), r.into()]);
            }
            let Command::Compare(args) = command(argv)? else { unreachable!("compare parses into Compare: a bug") };
            super::compare::compare(&args)?;
        }
        Ok(())
    }

    /// The default model: run `p.run` under its model id, its thresholds calibrated (recorded
    /// only), every set evaluated and recorded in its manifest (tables and figures in
    /// `results`), the bf16 export beside it measured the same way, then copied to `p.out`.
    fn publish(&self, p: &recipe::Publish) -> anyhow::Result<()> {
        let source = self.model(&p.run)?;
        let dir = self.work("publish");
        fresh_dir(&dir)?;
        for f in ["model.pt", "strip.pt", "weights.safetensors", "manifest.json", "training_log.csv"] {
            if source.join(f).is_file() {
                copy(&source.join(f), &dir.join(f))?;
            }
        }
        let mut manifest = read_manifest(&dir)?;
        manifest.model_id = p.model_id.clone();
        trainer::export::write_manifest(&dir, &manifest)?;
        self.calibrate(&dir)?;
        let sets: Vec<(&Set, PathBuf)> =
            self.recipe.sets.iter().map(|set| Ok((set, self.data(set, &p.run)?))).collect::<anyhow::Result<_>>()?;
        for (set, data) in &sets {
            self.evaluate(&dir, data, &self.recipe.results.join(set.split()), Some(&set.record()))?;
        }
        let bf16 = dir.join("bf16");
        let argv: Vec<OsString> = vec![
            "export".into(),
            "--model".into(),
            (&dir).into(),
            "--out".into(),
            (&bf16).into(),
            "--precision".into(),
            "bf16".into(),
        ];
        let Command::Export(args) = command(argv)? else { unreachable!("export parses into Export: a bug") };
        super::export::run(&args)?;
        for (set, data) in &sets {
            self.evaluate(&bf16, data, &self.work("bf16-eval").join(set.split()), Some(&set.record()))?;
        }
        std::fs::create_dir_all(p.out.join("bf16"))?;
        for f in ["model.pt", "strip.pt", "weights.safetensors", "manifest.json"] {
            copy(&dir.join(f), &p.out.join(f))?;
        }
        for f in ["model.pt", "strip.pt", "manifest.json"] {
            copy(&bf16.join(f), &p.out.join("bf16").join(f))?;
        }
        // Only the corpora this work folder has: a recipe started from a kept phase does not
        // render the earlier phases' corpora for their records.
        for c in &p.keep_corpora {
            let record = self.work("corpora").join(c).join(CorpusRecord::FILE);
            if record.is_file() {
                copy(&record, &self.recipe.results.join(format!("corpus-{c}.json")))?;
            }
        }
        for name in &p.keep_logs {
            // A run given from a kept phase brings no training log of this recipe's making.
            if matches!(self.recipe.run(name)?.how, How::Train { .. }) {
                let log = self.model(name)?.join("training_log.csv");
                copy(&log, &self.recipe.results.join(format!("training_log-{name}.csv")))?;
            }
        }
        println!(
            "{} in {} (model.pt sha256 {}); the int8 export: scripts/export-int8.sh",
            p.model_id,
            p.out.display(),
            manifest.model_sha256
        );
        Ok(())
    }
}

fn fresh_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}
