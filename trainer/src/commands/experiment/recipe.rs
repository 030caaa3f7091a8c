//! An experiment table (`experiments/*.toml`): corpora, runs (trained, averaged or given),
//! the visible sets they are measured on, the comparisons, and for the default model what is
//! published. The settings of a corpus and of a training step are the named flags of
//! `trainer synth` and `trainer train`, parsed by the same command-line parser, so a recipe and
//! a command line mean one thing and a misspelt setting is refused before anything runs.
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Parser;
use serde::Deserialize;

use crate::cli::{Cli, Command, SynthArgs, TrainArgs};

/// The table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// Where the kept evaluations, tables and figures go (`docs/results/…`).
    results: PathBuf,
    /// Where corpora, features, trained models and evaluations stay between runs (`.cache/…`).
    work: PathBuf,
    /// `trainer synth` settings every corpus starts from (banks, the real pack, its share).
    #[serde(default)]
    corpus_defaults: toml::Table,
    /// Named corpora: `trainer synth` settings over `corpus_defaults`.
    #[serde(default)]
    corpora: BTreeMap<String, toml::Table>,
    /// What every run in `evaluate` is measured on.
    #[serde(default)]
    sets: Vec<Set>,
    /// The runs measured on `sets` (default: every run).
    evaluate: Option<Vec<String>>,
    #[serde(default)]
    runs: Vec<RunTable>,
    #[serde(default)]
    compare: Vec<Compare>,
    publish: Option<Publish>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunTable {
    name: String,
    /// A model folder trained elsewhere: measured and compared, never trained.
    model: Option<PathBuf>,
    /// The corpus a trained run learns from.
    corpus: Option<String>,
    /// The run whose weights a trained run starts from.
    init_from: Option<String>,
    /// `trainer train` settings.
    train: Option<toml::Table>,
    /// The runs whose weights' mean this run is (`trainer average`), in this order (a run named
    /// twice weighs twice).
    average: Option<Vec<String>>,
    /// Whether the made model's evidence floor (and recorded thresholds) are calibrated on its
    /// validation clips (`trainer calibrate --record-only`) before it is measured.
    #[serde(default)]
    calibrate: bool,
}

/// A visible set, named as its folder of results.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Set {
    /// `../shared/eval/real-dev`.
    RealDev,
    /// `../shared/eval/real-dev-2`.
    #[serde(rename = "real-dev-2")]
    RealDev2,
    /// Single notes of the pack's held-out performers (`trainer notes`).
    IsolatedNotes,
    /// Clips in which none of the labels plays (`trainer negatives`).
    Negatives,
    /// The held-out MIR-1K singer over their own accompaniment (`trainer sung`).
    VoiceOverAccompaniment,
    /// The excerpts of the named corpus led by the pack's held-out performers (the `[real-heldout]`
    /// tag its file names carry).
    HeldOutPerformers(String),
    /// The test clips of a corpus: timbres of the held-out banks.
    HeldOutTimbres(Timbres),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timbres {
    /// The corpus whose test clips these are (default: each run's own).
    pub corpus: Option<String>,
    /// The results folder's name (default `test-heldout-timbres`).
    #[serde(default = "timbres_split")]
    pub split: String,
}

fn timbres_split() -> String {
    "test-heldout-timbres".into()
}

impl Set {
    /// The name of its results folder (and of `trainer compare --split`).
    pub fn split(&self) -> String {
        match self {
            Set::RealDev => "real-dev".into(),
            Set::RealDev2 => "real-dev-2".into(),
            Set::IsolatedNotes => "isolated-notes".into(),
            Set::Negatives => "negatives".into(),
            Set::VoiceOverAccompaniment => "voice-over-accompaniment".into(),
            Set::HeldOutPerformers(_) => "held-out-performers".into(),
            Set::HeldOutTimbres(t) => t.split.clone(),
        }
    }

    /// The prefix of its figures in a manifest (`trainer evaluate --record`).
    pub fn record(&self) -> String {
        match self {
            Set::HeldOutTimbres(_) => "test".into(),
            other => other.split().replace('-', "_"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    /// The tables' and figures' name under `results` (`{split}` becomes each set's).
    pub out: String,
    pub title: String,
    /// The runs, the first being the baseline.
    pub runs: Vec<String>,
}

/// The default model: which run it is and where it goes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    pub run: String,
    pub model_id: String,
    /// The model folder (`models/default`).
    pub out: PathBuf,
    /// Corpora whose `corpus.json` is kept in `results` as `corpus-NAME.json`.
    #[serde(default)]
    pub keep_corpora: Vec<String>,
    /// Trained runs whose `training_log.csv` is kept in `results` as `training_log-NAME.csv`.
    #[serde(default)]
    pub keep_logs: Vec<String>,
}

/// How a run comes to be.
#[derive(Debug)]
pub enum How {
    Given(PathBuf),
    Train { corpus: String, init_from: Option<String>, settings: toml::Table },
    Average(Vec<String>),
}

#[derive(Debug)]
pub struct Run {
    pub name: String,
    pub how: How,
    pub calibrate: bool,
}

/// A checked recipe: every name it uses is defined, every setting parses.
#[derive(Debug)]
pub struct Recipe {
    pub results: PathBuf,
    pub work: PathBuf,
    corpus_defaults: toml::Table,
    corpora: BTreeMap<String, toml::Table>,
    pub sets: Vec<Set>,
    pub evaluate: Vec<String>,
    pub runs: Vec<Run>,
    pub compare: Vec<Compare>,
    pub publish: Option<Publish>,
}

/// Settings that the runner sets itself and a table must not.
const RUNNER_SYNTH: [&str; 1] = ["out"];
const RUNNER_TRAIN: [&str; 6] = ["data", "out", "init_from", "model_id", "cache_dir", "device"];

impl Recipe {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let table: Table = toml::from_str(text)?;
        let mut runs = Vec::new();
        for r in table.runs {
            let how = match (r.model, r.corpus, r.train, r.average, r.init_from) {
                (Some(dir), None, None, None, None) => How::Given(dir),
                (None, Some(corpus), Some(settings), None, init_from) => How::Train { corpus, init_from, settings },
                (None, Some(corpus), None, None, init_from) => {
                    How::Train { corpus, init_from, settings: toml::Table::new() }
                }
                (None, None, None, Some(of), None) => How::Average(of),
                _ => bail!(
                    "run {}: a run is either `model = DIR`, or `corpus` with `train` settings (and \
                     `init_from`), or `average = [RUNS]`",
                    r.name
                ),
            };
            anyhow::ensure!(
                !(r.calibrate && matches!(how, How::Given(_))),
                "run {}: a given model is measured as it is, not calibrated",
                r.name
            );
            runs.push(Run { name: r.name, how, calibrate: r.calibrate });
        }
        let recipe = Recipe {
            results: table.results,
            work: table.work,
            corpus_defaults: table.corpus_defaults,
            corpora: table.corpora,
            evaluate: table.evaluate.unwrap_or_else(|| runs.iter().map(|r| r.name.clone()).collect()),
            sets: table.sets,
            runs,
            compare: table.compare,
            publish: table.publish,
        };
        recipe.check()?;
        Ok(recipe)
    }

    /// Every name defined once and used only where defined; every setting parsed once.
    fn check(&self) -> anyhow::Result<()> {
        let mut names = BTreeSet::new();
        for r in &self.runs {
            anyhow::ensure!(names.insert(r.name.as_str()), "run {} is defined twice", r.name);
        }
        let run = |name: &str, what: &str| {
            anyhow::ensure!(names.contains(name), "{what} names run {name}, which the table does not define");
            Ok(())
        };
        let corpus = |name: &str, what: &str| {
            anyhow::ensure!(
                self.corpora.contains_key(name),
                "{what} names corpus {name}, which the table does not define"
            );
            Ok(())
        };
        for name in self.corpora.keys() {
            self.synth_args(name, Path::new("."))?;
        }
        for r in &self.runs {
            match &r.how {
                How::Given(_) => {}
                How::Train { corpus: c, init_from, .. } => {
                    corpus(c, &format!("run {}", r.name))?;
                    if let Some(from) = init_from {
                        run(from, &format!("run {}", r.name))?;
                    }
                    self.train_args(r, Path::new("."), Path::new("."), None, "auto")?;
                }
                How::Average(of) => {
                    anyhow::ensure!(of.len() >= 2, "run {}: a mean needs two runs at least", r.name);
                    for o in of {
                        run(o, &format!("run {}", r.name))?;
                    }
                }
            }
        }
        // A run that needs itself would never be built.
        for r in &self.runs {
            self.dependencies(&r.name)?;
        }
        for name in &self.evaluate {
            run(name, "evaluate")?;
        }
        for set in &self.sets {
            match set {
                Set::HeldOutPerformers(c) => corpus(c, "held-out-performers")?,
                Set::HeldOutTimbres(Timbres { corpus: Some(c), .. }) => corpus(c, "held-out-timbres")?,
                Set::HeldOutTimbres(Timbres { corpus: None, .. }) => {
                    for name in &self.evaluate {
                        anyhow::ensure!(
                            matches!(self.run(name)?.how, How::Train { .. }),
                            "held-out-timbres without a corpus takes each run's own, and run {name} is not trained here"
                        );
                    }
                }
                _ => {}
            }
        }
        // A compared run may be one that only `results` keeps (a model of before the table).
        for c in &self.compare {
            anyhow::ensure!(c.runs.len() >= 2, "compare {}: two runs at least", c.out);
        }
        if let Some(p) = &self.publish {
            run(&p.run, "publish")?;
            for c in &p.keep_corpora {
                corpus(c, "publish.keep_corpora")?;
            }
            for name in &p.keep_logs {
                anyhow::ensure!(
                    matches!(self.run(name)?.how, How::Train { .. }),
                    "publish.keep_logs: run {name} is not trained here, so it has no training log"
                );
            }
        }
        Ok(())
    }

    pub fn run(&self, name: &str) -> anyhow::Result<&Run> {
        self.runs.iter().find(|r| r.name == name).with_context(|| format!("no run {name} in the table"))
    }

    /// The runs `name` is made from, directly.
    pub fn inputs(&self, name: &str) -> anyhow::Result<Vec<&str>> {
        Ok(match &self.run(name)?.how {
            How::Given(_) => Vec::new(),
            How::Train { init_from, .. } => init_from.iter().map(String::as_str).collect(),
            How::Average(of) => of.iter().map(String::as_str).collect(),
        })
    }

    /// Every run `name` needs, deepest first, `name` last; refuses a circle.
    pub fn dependencies(&self, name: &str) -> anyhow::Result<Vec<String>> {
        fn visit(recipe: &Recipe, name: &str, path: &mut Vec<String>, done: &mut Vec<String>) -> anyhow::Result<()> {
            if done.iter().any(|d| d == name) {
                return Ok(());
            }
            if path.iter().any(|p| p == name) {
                bail!("runs {} and {name} need each other", path.join(" → "));
            }
            path.push(name.to_string());
            for input in recipe.inputs(name)? {
                visit(recipe, input, path, done)?;
            }
            path.pop();
            done.push(name.to_string());
            Ok(())
        }
        let mut done = Vec::new();
        visit(self, name, &mut Vec::new(), &mut done)?;
        Ok(done)
    }

    /// `trainer synth` for corpus `name`, written into `out`.
    pub fn synth_args(&self, name: &str, out: &Path) -> anyhow::Result<SynthArgs> {
        let own = self.corpora.get(name).with_context(|| format!("no corpus {name} in the table"))?;
        let mut settings = self.corpus_defaults.clone();
        settings.extend(own.clone());
        let mut argv = vec![OsString::from("synth"), "--out".into(), out.into()];
        argv.extend(flags(&settings, &RUNNER_SYNTH).with_context(|| format!("corpus {name}"))?);
        match command(argv).with_context(|| format!("corpus {name}"))? {
            Command::Synth(args) => Ok(args),
            _ => unreachable!("the synth subcommand parses into Synth: a bug"),
        }
    }

    /// `trainer train` for trained run `run`: its corpus at `data`, its model into `out`,
    /// starting from `init_from`'s model folder.
    pub fn train_args(
        &self,
        run: &Run,
        data: &Path,
        out: &Path,
        init_from: Option<&Path>,
        device: &str,
    ) -> anyhow::Result<TrainArgs> {
        let How::Train { settings, .. } = &run.how else { bail!("run {} is not trained", run.name) };
        let mut argv: Vec<OsString> = vec!["train".into(), "--data".into(), data.into(), "--out".into(), out.into()];
        argv.extend(["--model-id".into(), run.name.clone().into(), "--device".into(), device.into()]);
        argv.extend(["--cache-dir".into(), self.work.join("features").into()]);
        if let Some(dir) = init_from {
            argv.extend(["--init-from".into(), dir.into()]);
        }
        argv.extend(flags(settings, &RUNNER_TRAIN).with_context(|| format!("run {}", run.name))?);
        match command(argv).with_context(|| format!("run {}", run.name))? {
            Command::Train(args) => Ok(args),
            _ => unreachable!("the train subcommand parses into Train: a bug"),
        }
    }
}

/// A `trainer` subcommand's settings, parsed as its command line.
pub(super) fn command(argv: Vec<OsString>) -> anyhow::Result<Command> {
    let argv = std::iter::once(OsString::from("trainer")).chain(argv);
    // clap's own message names the flag and what it expects.
    Ok(Cli::try_parse_from(argv).map_err(|e| anyhow::anyhow!("{}", e.render()))?.command)
}

/// A table of settings as command-line flags: `real_share = 0.8` is `--real-share 0.8`, `true`
/// the bare flag, `false` nothing, a list the flag once per item.
fn flags(settings: &toml::Table, reserved: &[&str]) -> anyhow::Result<Vec<OsString>> {
    let mut argv = Vec::new();
    for (key, value) in settings {
        anyhow::ensure!(!reserved.contains(&key.as_str()), "`{key}` is set by the runner, not the table");
        let flag = format!("--{}", key.replace('_', "-"));
        let scalar = |v: &toml::Value| -> anyhow::Result<String> {
            Ok(match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                other => bail!("`{key}`: {} is not a setting's value", other.type_str()),
            })
        };
        match value {
            toml::Value::Boolean(true) => argv.push(flag.into()),
            toml::Value::Boolean(false) => {}
            toml::Value::Array(items) => {
                for item in items {
                    argv.extend([flag.clone().into(), scalar(item)?.into()]);
                }
            }
            v => argv.extend([flag.into(), scalar(v)?.into()]),
        }
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"
        results = "r"
        work = "w"
        sets = ["real-dev", { held-out-performers = "perf" }, { held-out-timbres = { corpus = "small", split = "test" } }]
        [corpus_defaults]
        train_bank = ["a.sf2", "b.sf2"]
        real_share = 0.8
        [corpora]
        small = { hours = 4.5, seed = 3, test_clips = 120 }
        perf = { hours = 6, seed = 7, real_share = 1 }
        [[runs]]
        name = "first"
        corpus = "small"
        train = { seed = 1, mix = 0.5, epochs = 30, patience = 4 }
        [[runs]]
        name = "second"
        corpus = "small"
        init_from = "first"
        train = { lr = 0.0002, average_from = 1 }
        [[runs]]
        name = "mean"
        average = ["first", "second"]
    "#;

    #[test]
    fn settings_are_the_commands_flags_with_the_defaults_underneath() {
        let r = Recipe::parse(TABLE).unwrap();
        let s = r.synth_args("small", Path::new("out")).unwrap();
        assert_eq!((s.hours, s.seed, s.test_clips, s.real_share), (4.5, 3, Some(120), 0.8));
        assert_eq!(s.train_bank, [PathBuf::from("a.sf2"), PathBuf::from("b.sf2")]);
        assert_eq!(r.synth_args("perf", Path::new("out")).unwrap().real_share, 1.0, "a corpus overrides");
        let second = r.run("second").unwrap();
        let t = r.train_args(second, Path::new("d"), Path::new("o"), Some(Path::new("f")), "cpu").unwrap();
        assert_eq!((t.lr, t.average_from, t.model_id.as_deref()), (0.0002, Some(1), Some("second")));
        assert_eq!(t.init_from.as_deref(), Some(Path::new("f")));
        assert_eq!(t.cache.dir, Path::new("w/features"));
        assert_eq!(r.dependencies("mean").unwrap(), ["first", "second", "mean"]);
        assert_eq!(r.evaluate, ["first", "second", "mean"], "every run by default");
        let splits: Vec<_> = r.sets.iter().map(|s| (s.split(), s.record())).collect();
        assert_eq!(
            splits,
            [
                ("real-dev".into(), "real_dev".into()),
                ("held-out-performers".into(), "held_out_performers".into()),
                ("test".into(), "test".into())
            ]
        );
    }

    #[test]
    fn every_table_of_the_project_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../experiments");
        let mut tables = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let recipe = Recipe::load(&path).unwrap_or_else(|e| panic!("{e:#}"));
                assert!(!recipe.runs.is_empty(), "{}", path.display());
                tables += 1;
            }
        }
        assert_eq!(tables, 7);
        let default = Recipe::load(&dir.join("default-model.toml")).unwrap();
        let phases = default.dependencies("phase5").unwrap();
        assert_eq!(phases.first().map(String::as_str), Some("phase1"));
        assert_eq!(phases.len(), 10, "{phases:?}");
    }

    #[test]
    fn mistakes_are_refused_before_anything_runs() {
        let refused = |from: &str, to: &str, says: &str| {
            let text = TABLE.replacen(from, to, 1);
            assert_ne!(text, TABLE, "{from} is in the table");
            let e = format!("{:#}", Recipe::parse(&text).unwrap_err());
            assert!(e.contains(says), "{to}: {e}");
        };
        refused("mix = 0.5", "mixx = 0.5", "--mixx");
        refused("hours = 4.5", "hours = \"lots\"", "lots");
        refused("init_from = \"first\"", "init_from = \"zeroth\"", "zeroth");
        refused("average = [\"first\", \"second\"]", "average = [\"first\", \"mean\"]", "need each other");
        refused("corpus = \"small\"\n        init_from", "corpus = \"big\"\n        init_from", "corpus big");
        refused("seed = 1,", "out = \"x\", seed = 1,", "set by the runner");
        refused("\"real-dev\"", "\"real-dev-3\"", "real-dev-3");
        refused("[[runs]]\n        name = \"mean\"", "[[runs]]\n        name = \"first\"", "defined twice");
        refused("{ corpus = \"small\", split", "{ split", "run mean is not trained here");
    }
}
