//! Model throughput by batch size: windows per second of the served TorchScript model at batch
//! sizes 1 … 256, side by side in one run, as the ratio to batch 1. This is what dynamic batching
//! buys; it picks `--max-batch-size`. Beside it, the same batches as one clip's overlapping
//! windows through the server's forward pass with `--share-frames` (`strip.pt`, where the model
//! directory has one), as the ratio to `model.pt` alone.
//!
//!     cargo bench -p server --bench batch_sizes            # models/default, GPU if present
//!     MODEL_DIR=path/to/model cargo bench -p server --bench batch_sizes
use std::path::PathBuf;
use std::time::{Duration, Instant};

use server::infer::tuning::clip_windows;
use server::model::{load_manifest, Forward, Model};
use tch::{Device, Kind, Tensor};

const SIZES: [i64; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const MIN_TIME: Duration = Duration::from_millis(1500);

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this with no flag: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // As the server runs it (`--retain-freed-memory`, on by default).
    shared::memory::retain_freed_memory();
    let dir = std::env::var_os("MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/default"));
    let manifest = load_manifest(&dir).expect("a verified model directory");
    let device = Device::cuda_if_available();
    let model = Model::load(&dir, &manifest, device, false).expect("model.pt");
    let sharing = Model::load(&dir, &manifest, device, true).expect("strip.pt");
    let (frames, mels) = (manifest.window.frames as i64, manifest.front_end.n_mels as i64);
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
            let clip = clip_windows(bs as usize, frames as usize, mels as usize, manifest.window.hop_frames);
            let shared = windows_per_second(bs, device, || {
                sharing.forward(&clip, bs as usize, frames as usize, mels as usize).expect("forward");
            });
            println!("| {bs} | {rate:.0} | {:.2} | {shared:.0} | {:.2} |", rate / b, shared / rate);
        }
    });
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
