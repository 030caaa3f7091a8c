//! Per-window sigmoids of whole recordings from a TorchScript model.
use ndarray::Array2;
use shared::frontend::{window_count, WindowParams, Windows};
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

/// [`predict_windows`] through a strip module (`strip.pt`, [`crate::export::trace_strip`]): each
/// run of `batch` windows goes in as the frames it spans, once, and their starts. The same
/// sigmoids within float rounding, in about 12 % less time on a 2-core CPU (`docs/perf.md`).
pub fn predict_strip(
    strip: &CModule,
    spec: &Array2<f32>,
    window: &WindowParams,
    pad: f32,
    device: Device,
    batch: usize,
) -> anyhow::Result<ClipPrediction> {
    let (frames, mels) = spec.dim();
    let (len, hop) = (window.frames, window.hop_frames.max(1));
    // A clip shorter than a window is padded to one, as `Windows::cut` pads it.
    let mut rows = spec.as_standard_layout().into_owned().into_raw_vec_and_offset().0;
    rows.resize(frames.max(len) * mels, pad);
    let x = Tensor::from_slice(&rows).view([frames.max(len) as i64, mels as i64]);
    let n = window_count(frames, window);
    let mut windows = Vec::with_capacity(n);
    for first in (0..n).step_by(batch.max(1)) {
        let count = batch.min(n - first);
        let span = (count - 1) * hop + len;
        let part = x.narrow(0, (first * hop) as i64, span as i64).to_device(device);
        let starts = Tensor::arange_start_step(0, (count * hop) as i64, hop as i64, (tch::Kind::Int64, device));
        let out = tch::no_grad(|| strip.forward_ts(&[part, starts]))?.to_device(Device::Cpu);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{trace, trace_strip};
    use crate::model::{Activation, ConvNet};
    use shared::manifest::Precision;
    use tch::nn;

    #[test]
    fn the_strip_predicts_what_the_windows_predict_for_any_length_and_batch() {
        tch::manual_seed(9);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), Activation::default(), 11);
        vs.freeze();
        let w = WindowParams::default();
        let module = trace(&net, &w, 128, Device::Cpu, Precision::Fp32).unwrap();
        let strip = trace_strip(&net, &w, 128, Device::Cpu, Precision::Fp32).unwrap();
        // Shorter than a window, one window and a bit, several windows with a ragged tail.
        for frames in [20, 50, 200] {
            let spec = Array2::from_shape_fn((frames, 128), |(t, m)| ((t * 31 + m * 7) % 97) as f32 / 50.0 - 1.0);
            for batch in [1, 3, 64] {
                let a = predict_windows(&module, &spec, &w, -4.0, Device::Cpu, batch).unwrap();
                let b = predict_strip(&strip, &spec, &w, -4.0, Device::Cpu, batch).unwrap();
                assert_eq!(a.windows.len(), b.windows.len());
                let diff = a.windows.iter().flatten().zip(b.windows.iter().flatten()).map(|(x, y)| (x - y).abs());
                let diff = diff.fold(0.0f32, f32::max);
                assert!(diff < 1e-5, "{frames} frames, batch {batch}: differ by {diff}");
            }
        }
    }
}
