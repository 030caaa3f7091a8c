//! `trainer compare`: evaluated runs side by side (tables and figures of the paper's experiments).
use std::path::{Path, PathBuf};

use anyhow::Context;
use shared::manifest::Manifest;
use trainer::evaluate::comparison::{markdown, Run};
use trainer::evaluate::EvalReport;

use crate::cli::CompareArgs;

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn load_run(spec: &str, split: &str) -> anyhow::Result<Run> {
    let (name, dir) = spec.split_once('=').with_context(|| format!("--run {spec}: expected NAME=DIR"))?;
    let dir = PathBuf::from(dir);
    let manifest: Manifest = read_json(&dir.join("model/manifest.json"))?;
    let report: EvalReport = read_json(&dir.join(split).join("evaluation.json"))?;
    Ok(Run {
        name: name.to_string(),
        activation: manifest.activation,
        window_seconds: manifest.window.frames as f64 * manifest.front_end.frame_seconds(),
        best_epoch: manifest.training.best_epoch,
        epochs: manifest.training.epochs,
        report,
    })
}

pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    println!("{}", compare(args)?);
    Ok(())
}

/// Writes the table and figures and returns the table in Markdown.
pub fn compare(args: &CompareArgs) -> anyhow::Result<String> {
    let runs = args.runs.iter().map(|s| load_run(s, &args.split)).collect::<anyhow::Result<Vec<_>>>()?;
    let command: Vec<String> =
        std::env::args().skip(1).map(|a| if a.contains(' ') { format!("\"{a}\"") } else { a }).collect();
    let split = match args.split.as_str() {
        "test" => "the held-out-timbre test split".to_string(),
        "real-dev" => "the real recordings of `real-dev`".to_string(),
        other => format!("the `{other}` evaluation"),
    };
    let md = format!("{}\nMade by `trainer {}`.\n", markdown(&args.title, &split, &runs), command.join(" "));
    let with = |suffix: &str| {
        let mut p = args.out.clone().into_os_string();
        p.push(suffix);
        PathBuf::from(p)
    };
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(with(".md"), &md).context("writing the table")?;
    trainer::plots::compare_sweeps(&args.title, &runs, &with("-threshold.png"))?;
    trainer::plots::compare_per_label(&args.title, &runs, &with("-per-label.png"))?;
    Ok(md)
}
