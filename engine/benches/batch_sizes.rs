//! Model throughput by batch size: windows per second of the served TorchScript model at batch
//! sizes 1 … 256, side by side in one run, as the ratio to batch 1. This is what dynamic batching
//! buys; it picks `--max-batch-size`. Beside it, the same batches as one clip's overlapping
//! windows through the server's forward pass with `--share-frames` (`strip.pt`, where the model
//! directory has one), as the ratio to `model.pt` alone.
//!
//!
//! Then the chunk tuning the model thread runs at every start, ten times in a row, each choice
//! set against the steady windows/s of every candidate size measured in the same run (a choice
//! within 10 % of the best size's rate is as good as the best on a noisy machine).
//!
//!     cargo bench -p engine --bench batch_sizes            # models/default, GPU if present
//!     MODEL_DIR=path/to/model cargo bench -p engine --bench batch_sizes
use std::path::PathBuf;
use std::time::{Duration, Instant};

use engine::infer::tuning::{candidates, clip_windows, median, tune, Budget};
use engine::model::{Forward, Model};
use engine::WindowShape;
use shared::model_dir::ModelDir;
use tch::{Device, Kind, Tensor};

const SIZES: [i64; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const MIN_TIME: Duration = Duration::from_millis(1500);

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

fn main() {
    // As the server runs it (`--retain-freed-memory`, on by default).
    shared::memory::retain_freed_memory();
    let dir = std::env::var_os("MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/default"));
    let device = Device::cuda_if_available();
    let (model, manifest) = Model::load(&ModelDir::new(&dir), device, false).expect("a verified model directory");
    let (sharing, _) = Model::load(&ModelDir::new(&dir), device, true).expect("strip.pt");
    let shape = WindowShape::of(&manifest);
    // `cargo bench` passes --bench; `cargo test --bench batch_sizes` does not, and gets the check.
    if !std::env::args().any(|a| a == "--bench") {
        check(&model, &sharing, shape);
        return;
    }
    let (frames, mels) = (shape.frames as i64, shape.mels as i64);
    println!("model {} on {device:?}, {} CPU threads", manifest.model_id, tch::get_num_threads());
    println!("| batch | windows/s | × batch 1 | one clip's windows, shared frames: windows/s | × model.pt alone |");
    println!("|---|---|---|---|---|");
    let mut base = None;
    tch::no_grad(|| {
        for &bs in &SIZES {
            let x = Tensor::randn([bs, frames, mels], (Kind::Float, device));
            let rate = windows_per_second(bs, device, || {
                let _ = model.forward_tensor(&x).expect("forward").to_device(Device::Cpu);
            });
            let b = *base.get_or_insert(rate);
            let clip = clip_windows(bs as usize, shape.frames, shape.mels, shape.hop);
            let shared = windows_per_second(bs, device, || {
                sharing.forward(&clip, bs as usize, shape).expect("forward");
            });
            println!("| {bs} | {rate:.0} | {:.2} | {shared:.0} | {:.2} |", rate / b, shared / rate);
        }
    });
    tuning_against_steady_rates(&sharing, shape, device);
}

/// What `cargo test --bench batch_sizes` runs: each measured path once on a small input, its
/// output checked, nothing timed. One clip's windows give the same sigmoids through `model.pt`
/// and through the shared-frames strip, at every batch size the table measures up to 16, and a
/// tuning of one round picks one of its candidates.
fn check(model: &Model, sharing: &Model, shape: WindowShape) {
    for n in [1, 4, 16] {
        let clip = clip_windows(n, shape.frames, shape.mels, shape.hop);
        let plain = model.forward(&clip, n, shape).expect("forward");
        let strip = sharing.forward(&clip, n, shape).expect("forward through the strip");
        assert_eq!(plain.len(), n * 11, "{n} windows × 11 sigmoids");
        assert!(plain.iter().all(|p| (0.0..=1.0).contains(p)), "sigmoids: {plain:?}");
        let worst = plain.iter().zip(&strip).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-4, "{n} windows: the strip differs from model.pt by {worst}");
    }
    let sizes = candidates(64);
    let one_round = Budget { min_rounds: 1, min_seconds: 0.0, max_rounds: 1 };
    let chunking = tune(sharing, shape, &sizes, one_round).expect("tuning");
    assert!(sizes.contains(&chunking.chunk_size) && chunking.trials.len() == sizes.len(), "{chunking:?}");
    println!("batch sizes checked (cargo bench -p engine --bench batch_sizes measures them)");
}

/// Ten tunings as the server runs them at startup (`--share-frames`, `--max-batch-size` 64),
/// then each candidate's steady windows/s (three interleaved rounds, the median), and each
/// choice as a fraction of the best steady rate.
fn tuning_against_steady_rates(model: &Model, shape: WindowShape, device: Device) {
    let sizes = candidates(64);
    let mut chosen = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let c = tune(model, shape, &sizes, Budget::default()).expect("tuning");
        chosen.push((c.chunk_size, started.elapsed().as_secs_f64()));
    }
    let mut rounds: Vec<Vec<f64>> = vec![Vec::new(); sizes.len()];
    for _ in 0..3 {
        for (i, &n) in sizes.iter().enumerate() {
            let clip = clip_windows(n, shape.frames, shape.mels, shape.hop);
            rounds[i].push(windows_per_second(n as i64, device, || {
                model.forward(&clip, n, shape).expect("forward");
            }));
        }
    }
    let steady: Vec<f64> = rounds.iter_mut().map(|r| median(r)).collect();
    let best = steady.iter().copied().fold(0.0, f64::max);
    println!();
    println!("| chunk size | steady windows/s (median of 3) | × best |");
    println!("|---|---|---|");
    for (n, r) in sizes.iter().zip(&steady) {
        println!("| {n} | {r:.0} | {:.2} |", r / best);
    }
    println!();
    println!("| start | chosen | tuning s | its steady windows/s × best |");
    println!("|---|---|---|---|");
    let mut within = 0;
    for (i, (n, seconds)) in chosen.iter().enumerate() {
        let r = sizes.iter().position(|s| s == n).map_or(f64::NAN, |k| steady[k] / best);
        within += usize::from(r >= 0.9);
        println!("| {} | {n} | {seconds:.1} | {r:.2} |", i + 1);
    }
    println!();
    println!("{within} of {} starts chose a size within 10 % of the best steady rate", chosen.len());
}

/// Windows per second of `pass` (`bs` windows each) after two warm-up passes.
fn windows_per_second(bs: i64, device: Device, mut pass: impl FnMut()) -> f64 {
    for _ in 0..2 {
        pass();
    }
    sync(device);
    let (started, mut windows) = (Instant::now(), 0i64);
    while started.elapsed() < MIN_TIME {
        pass();
        windows += bs;
    }
    sync(device);
    windows as f64 / started.elapsed().as_secs_f64()
}
