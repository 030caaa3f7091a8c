//! The machine's limit: matrix-multiply throughput through libtorch (fp32 and bf16), and the
//! model's windows per second at fixed batch sizes, to set against it.
use std::time::{Duration, Instant};

use tch::{CModule, Device, Kind, Tensor};

const MIN_TIME: Duration = Duration::from_secs(2);

/// GFLOP/s of a 2048 × 2048 by 2048 × 2048 matrix product in `kind` on the CPU.
pub fn matmul_gflops(kind: Kind) -> f64 {
    let n = 2048i64;
    let (a, b) = (Tensor::randn([n, n], (kind, Device::Cpu)), Tensor::randn([n, n], (kind, Device::Cpu)));
    let _ = a.matmul(&b);
    let (started, mut count) = (Instant::now(), 0u32);
    while started.elapsed() < MIN_TIME {
        let _ = a.matmul(&b);
        count += 1;
    }
    2.0 * (n * n * n) as f64 * f64::from(count) / started.elapsed().as_secs_f64() / 1e9
}

/// Windows per second of `module` at batch size `batch` (frames × mels windows of noise).
pub fn model_windows_per_second(module: &CModule, batch: i64, frames: i64, mels: i64) -> anyhow::Result<f64> {
    let x = Tensor::randn([batch, 1, frames, mels], (Kind::Float, Device::Cpu));
    tch::no_grad(|| -> anyhow::Result<f64> {
        for _ in 0..3 {
            let _ = module.forward_ts(&[&x])?;
        }
        let (started, mut windows) = (Instant::now(), 0i64);
        while started.elapsed() < MIN_TIME {
            let _ = module.forward_ts(&[&x])?;
            windows += batch;
        }
        Ok(windows as f64 / started.elapsed().as_secs_f64())
    })
}
