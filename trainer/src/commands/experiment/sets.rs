//! Where each visible set comes from: the real sets beside the project, the checks the trainer
//! builds (isolated notes, negatives, voice over accompaniment), the held-out performers' songs
//! and the held-out timbres of a rendered corpus. Built sets are kept in the work folder.
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::recipe::{Set, Timbres};
use super::{command, Command};

/// The real recordings of `../shared/eval`, for measurement only.
const EVAL_DIR: &str = "../shared/eval";

/// What `set` is evaluated on: a labels table or a folder of test clips. `corpus` makes a named
/// corpus; `own` the corpus of the run being measured.
pub fn data(
    set: &Set,
    built: &Path,
    corpus: impl Fn(&str) -> anyhow::Result<PathBuf>,
    own: impl Fn() -> anyhow::Result<PathBuf>,
) -> anyhow::Result<PathBuf> {
    Ok(match set {
        Set::RealDev | Set::RealDev2 => Path::new(EVAL_DIR).join(set.split()).join("labels.csv"),
        Set::IsolatedNotes | Set::Negatives | Set::VoiceOverAccompaniment => build(set, &built.join(set.split()))?,
        Set::HeldOutPerformers(name) => held_out_performers(&corpus(name)?)?,
        Set::HeldOutTimbres(Timbres { corpus: Some(name), .. }) => corpus(name)?.join("IRMAS-TestingData"),
        Set::HeldOutTimbres(Timbres { corpus: None, .. }) => own()?.join("IRMAS-TestingData"),
    })
}

/// A check the trainer builds, into `dir` unless it is there (`labels.csv` is written last).
fn build(set: &Set, dir: &Path) -> anyhow::Result<PathBuf> {
    let table = dir.join("labels.csv");
    if table.is_file() {
        return Ok(table);
    }
    let name = match set {
        Set::IsolatedNotes => "notes",
        Set::Negatives => "negatives",
        Set::VoiceOverAccompaniment => "sung",
        other => unreachable!("{other:?} is not built by the trainer: a bug"),
    };
    std::fs::create_dir_all(dir)?;
    match command(vec![name.into(), "--out".into(), dir.into()])? {
        Command::Notes(args) => crate::commands::notes::run(&args),
        Command::Negatives(args) => crate::commands::negatives::run(&args),
        Command::Sung(args) => crate::commands::sung::run(&args),
        _ => unreachable!("{name} parses into its own command: a bug"),
    }
    .with_context(|| format!("building {}", set.split()))?;
    Ok(table)
}

/// The table of `corpus`'s training excerpts led by a held-out performer of the pack, with their
/// labels: `held-out-performers.csv` in the corpus folder, made once.
fn held_out_performers(corpus: &Path) -> anyhow::Result<PathBuf> {
    let table = corpus.join("held-out-performers.csv");
    if table.is_file() {
        return Ok(table);
    }
    let rows = trainer::data::held_out_performers(corpus)?;
    anyhow::ensure!(!rows.is_empty(), "{} has no excerpts of held-out performers", corpus.display());
    let mut w = csv::Writer::from_path(table.with_extension("csv.tmp"))?;
    w.write_record(["file", "labels"])?;
    for (file, label) in rows {
        w.write_record([file.as_str(), label])?;
    }
    w.flush()?;
    drop(w);
    std::fs::rename(table.with_extension("csv.tmp"), &table)?;
    Ok(table)
}
