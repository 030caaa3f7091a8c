//! Our offline path (the trainer's predict path): read → decode → log-mel → windows → model in
//! batches of 64 (through `strip.pt` where the model has one) → S2, per file, timed.
use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use shared::aggregate::{aggregate, Aggregation};
use shared::audio::DecodeOptions;
use shared::frontend::{logmel_of, FrontEndParams};
use shared::manifest::Manifest;
use tch::{CModule, Device};

pub struct Ours {
    pub windows: usize,
    pub median_s: f64,
    pub scores: Vec<f32>,
}

fn once(
    module: &CModule,
    strip: Option<&CModule>,
    manifest: &Manifest,
    path: &Path,
) -> anyhow::Result<(usize, Vec<f32>)> {
    let fe = FrontEndParams::default();
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    let opts = DecodeOptions { extension, ..Default::default() };
    let (_, spec) = logmel_of(Box::new(Cursor::new(bytes)), &fe, &opts)?;
    let (window, pad) = (&manifest.window, fe.silence());
    let pred = trainer::evaluate::predict_windows(module, strip, &spec, window, pad, Device::Cpu, 64)?;
    Ok((pred.windows.len(), aggregate(&pred.windows, manifest.labels.len(), Aggregation::S2)))
}

/// `repeats` timed runs of each file after one warm-up run; the median.
pub fn run(
    module: &CModule,
    strip: Option<&CModule>,
    manifest: &Manifest,
    files: &[&Path],
    repeats: usize,
) -> anyhow::Result<Vec<Ours>> {
    files
        .iter()
        .map(|path| {
            let (windows, scores) = once(module, strip, manifest, path)?;
            let mut times = Vec::new();
            for _ in 0..repeats.max(1) {
                let t = Instant::now();
                once(module, strip, manifest, path)?;
                times.push(t.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            Ok(Ours { windows, median_s: times.get(times.len() / 2).copied().unwrap_or(f64::NAN), scores })
        })
        .collect()
}

/// The offline table's header: fp32, then each export, then the reference and the ratios.
pub fn header(exports: &[&str]) -> String {
    let each = |f: &dyn Fn(&str) -> String| exports.iter().map(|e| f(e)).collect::<String>();
    format!(
        "| clip | windows | ours fp32 clips/s |{} reference clips/s | fp32 ÷ reference |{} max score difference (fp32) |\n|---|---|---|{}---|---|{}---|",
        each(&|e| format!(" ours {e} clips/s |")),
        each(&|e| format!(" {e} ÷ reference |")),
        each(&|_| "---|".into()),
        each(&|_| "---|".into()),
    )
}
