//! The machine's limit: matrix-multiply throughput through libtorch (fp32 and bf16), and the
//! model's windows per second at fixed batch sizes, to set against it — on the CPU or a GPU.
use std::time::{Duration, Instant};

use tch::{CModule, Device, Kind, Tensor};

const MIN_TIME: Duration = Duration::from_secs(2);

/// Waits for the GPU's queued work, so the clock measures it (nothing on the CPU).
fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// GFLOP/s of a square matrix product in `kind` on `device` (2048² on the CPU, 8192² on a GPU,
/// which 2048² would leave mostly idle).
pub fn matmul_gflops(kind: Kind, device: Device) -> f64 {
    let n = if device.is_cuda() { 8192i64 } else { 2048 };
    let (a, b) = (Tensor::randn([n, n], (kind, device)), Tensor::randn([n, n], (kind, device)));
    let _ = a.matmul(&b);
    sync(device);
    let (started, mut count) = (Instant::now(), 0u32);
    while started.elapsed() < MIN_TIME {
        let _ = a.matmul(&b);
        count += 1;
        sync(device);
    }
    2.0 * (n * n * n) as f64 * f64::from(count) / started.elapsed().as_secs_f64() / 1e9
}

/// Windows per second of `module` (loaded on `device`) at batch size `batch`, frames × mels
/// windows of noise, the sigmoids brought back to the CPU as the server does.
pub fn model_windows_per_second(
    module: &CModule,
    batch: i64,
    frames: i64,
    mels: i64,
    device: Device,
) -> anyhow::Result<f64> {
    let x = Tensor::randn([batch, 1, frames, mels], (Kind::Float, device));
    windows_per_second(module, &[x], batch)
}

/// Windows per second of a strip module at `batch` windows per pass: the frames of one clip's
/// `batch` windows (hop `hop`) and their starts, as the server sends a long upload.
pub fn strip_windows_per_second(
    module: &CModule,
    batch: i64,
    frames: i64,
    hop: i64,
    mels: i64,
    device: Device,
) -> anyhow::Result<f64> {
    let x = Tensor::randn([(batch - 1) * hop + frames, mels], (Kind::Float, device));
    let starts = Tensor::arange_start_step(0, batch * hop, hop, (Kind::Int64, device));
    windows_per_second(module, &[x, starts], batch)
}

/// `batch` windows per pass of `module` on `inputs`, timed for `MIN_TIME` after three untimed
/// passes; the sigmoids are brought back to the CPU each pass.
fn windows_per_second(module: &CModule, inputs: &[Tensor], batch: i64) -> anyhow::Result<f64> {
    tch::no_grad(|| -> anyhow::Result<f64> {
        for _ in 0..3 {
            let _ = module.forward_ts(inputs)?.to_device(Device::Cpu);
        }
        let (started, mut windows) = (Instant::now(), 0i64);
        while started.elapsed() < MIN_TIME {
            let _ = module.forward_ts(inputs)?.to_device(Device::Cpu);
            windows += batch;
        }
        Ok(windows as f64 / started.elapsed().as_secs_f64())
    })
}

/// The strip module of a model directory, when its manifest names one.
pub fn load_strip(dir: &std::path::Path) -> anyhow::Result<Option<CModule>> {
    Ok(engine::model::load(&shared::model_dir::ModelDir::new(dir), tch::Device::Cpu, true)?.strip)
}
