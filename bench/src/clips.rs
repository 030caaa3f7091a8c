//! The benchmark clips, cut from one recording by the reference environment (libsndfile writes
//! the MP3s), so both sides read the very same files.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Clip {
    pub path: PathBuf,
    pub seconds: f64,
}

/// Clips by name: `10s-wav`, `10s-mp3`, `180s-wav`, `180s-mp3`, `2s-wav`.
pub type Clips = BTreeMap<String, Clip>;

pub fn make(python: &Path, source: &Path, out: &Path) -> anyhow::Result<Clips> {
    let output = std::process::Command::new(python)
        .arg("bench/reference/make_clips.py")
        .arg(source)
        .arg(out)
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    anyhow::ensure!(output.status.success(), "make_clips.py failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).context("make_clips.py output")
}

pub fn get<'a>(clips: &'a Clips, name: &str) -> anyhow::Result<&'a Clip> {
    clips.get(name).with_context(|| format!("no clip {name}"))
}
