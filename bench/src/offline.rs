//! Our offline path, as `server recognize` runs it: the engine started on a model directory
//! (loaded, verified, warmed up, its chunk size tuned), then each file through
//! `Recognizer::recognize_file` (streamed decode → resample → log-mel → windows → the batching
//! queue and the model thread → S2), per file, timed. Starting the engine is not timed: a scan
//! pays it once.
use std::path::Path;
use std::time::Instant;

use clap::Parser;
use engine::metrics::Metrics;
use engine::recognizer::Options;
use engine::{Engine, ModelArgs};

pub struct Ours {
    pub windows: usize,
    pub median_s: f64,
    /// S2 scores in the manifest's label order.
    pub scores: Vec<f32>,
}

/// The model flags of `server recognize` for the export in `dir`, on the CPU, `--jobs 1`'s batching.
fn model_args(dir: &Path, threads: usize) -> ModelArgs {
    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        model: ModelArgs,
    }
    let dir = dir.to_string_lossy();
    let threads = threads.to_string();
    let argv = ["perf", "--model-dir", &dir, "--device", "cpu", "--precision", "fp32", "--model-threads", &threads];
    Flags::parse_from(argv).model
}

/// `repeats` timed runs of each file after one warm-up run; the median.
pub fn run(dir: &Path, threads: usize, files: &[&Path], repeats: usize) -> anyhow::Result<Vec<Ours>> {
    let args = model_args(dir, threads);
    let engine = Engine::start(&args)?;
    let labels: Vec<String> = engine.manifest.labels.iter().map(|l| l.code.clone()).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let recognizer = {
        let _inside = runtime.enter();
        engine.recognizer(&args, 4, &Metrics::new()?)
    };
    let how = recognizer.resolve(&Options { threshold: Some(0.5), ..Options::default() })?;
    files
        .iter()
        .map(|path| {
            let (first, _) = recognizer.recognize_file(path, &how)?;
            let scores = labels
                .iter()
                .map(|code| first.instruments.iter().find(|i| i.label == code.as_str()).map_or(f32::NAN, |i| i.score))
                .collect();
            let mut times = Vec::new();
            for _ in 0..repeats.max(1) {
                let t = Instant::now();
                recognizer.recognize_file(path, &how)?;
                times.push(t.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let median_s = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
            Ok(Ours { windows: first.windows, median_s, scores })
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
