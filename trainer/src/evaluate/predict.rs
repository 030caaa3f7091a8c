//! Per-window sigmoids of whole recordings from a TorchScript model.
use ndarray::Array2;
use shared::frontend::{WindowParams, Windows};
use tch::{CModule, Device, Tensor};

/// The window outputs of one recording (`windows[w][label]`).
#[derive(Debug, Clone)]
pub struct ClipPrediction {
    pub windows: Vec<Vec<f32>>,
}

/// Runs the model on every window of `spec` (hop `window.hop_frames`), `batch` windows at a time.
pub fn predict_windows(
    module: &CModule,
    spec: &Array2<f32>,
    window: &WindowParams,
    pad: f32,
    device: Device,
    batch: usize,
) -> anyhow::Result<ClipPrediction> {
    let w = Windows::cut(spec.view(), window, pad);
    let (n, frames, mels) = w.data.dim();
    let flat = w.data.into_raw_vec_and_offset().0;
    let x = Tensor::from_slice(&flat).view([n as i64, 1, frames as i64, mels as i64]);
    let mut windows = Vec::with_capacity(n);
    for start in (0..n).step_by(batch.max(1)) {
        let len = batch.min(n - start) as i64;
        let xb = x.narrow(0, start as i64, len).to_device(device);
        let out = tch::no_grad(|| module.forward_ts(&[xb]))?.to_device(Device::Cpu);
        let labels = out.size()[1] as usize;
        let values = Vec::<f32>::try_from(out.contiguous().view([-1]))?;
        windows.extend(values.chunks(labels).map(<[f32]>::to_vec));
    }
    Ok(ClipPrediction { windows })
}

/// Window predictions of many spectrograms.
pub fn predict_all(
    module: &CModule,
    specs: &[&Array2<f32>],
    window: &WindowParams,
    pad: f32,
    device: Device,
) -> anyhow::Result<Vec<ClipPrediction>> {
    specs.iter().map(|s| predict_windows(module, s, window, pad, device, 256)).collect()
}
