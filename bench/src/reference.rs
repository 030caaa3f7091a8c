//! The Python side: the reference pipeline's offline timings and the FLOP count of the model.
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct RefOffline {
    pub windows: usize,
    pub median_s: f64,
    pub scores: std::collections::BTreeMap<String, f32>,
}

fn python(python: &Path, script: &str, args: &[String], threads: usize) -> anyhow::Result<String> {
    let t = threads.to_string();
    let output = std::process::Command::new(python)
        .arg(format!("bench/reference/{script}"))
        .args(args)
        .env("OMP_NUM_THREADS", &t)
        .env("OPENBLAS_NUM_THREADS", &t)
        .env("MKL_NUM_THREADS", &t)
        .env("NUMBA_NUM_THREADS", &t)
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    anyhow::ensure!(output.status.success(), "{script} failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The reference pipeline on each file (`repeats` timed runs after a warm-up; the median).
pub fn offline(
    py: &Path,
    model: &Path,
    threads: usize,
    repeats: usize,
    files: &[&Path],
) -> anyhow::Result<Vec<RefOffline>> {
    let mut args = vec![model.display().to_string(), threads.to_string(), repeats.to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    python(py, "offline.py", &args, threads)?
        .lines()
        .map(|l| serde_json::from_str(l).context("offline.py output"))
        .collect()
}

/// GFLOP of one window through the model (PyTorch's FlopCounterMode on the TorchScript module).
pub fn gflop_per_window(py: &Path, model: &Path) -> anyhow::Result<f64> {
    #[derive(Deserialize)]
    struct Out {
        gflop_per_window: f64,
    }
    let out: Out = serde_json::from_str(&python(py, "flops.py", &[model.display().to_string()], 1)?)?;
    Ok(out.gflop_per_window)
}
