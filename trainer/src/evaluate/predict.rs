//! Per-window sigmoids of whole recordings from a TorchScript model.
use ndarray::Array2;
use shared::frontend::{window_count, WindowParams, Windows};
use tch::{CModule, Device, Tensor};

/// The window outputs of one recording (`windows[w][label]`).
#[derive(Debug, Clone)]
pub struct ClipPrediction {
    pub windows: Vec<Vec<f32>>,
}

/// Runs the model on every window of `spec` (hop `window.hop_frames`), `batch` windows at a time:
/// through `strip` (`strip.pt`, [`crate::export::trace_strip`]) when given, each run of `batch`
/// windows going in once as the frames it spans with their starts (the same sigmoids within
/// float rounding, block 1 once per frame), else through `module` window by window.
pub fn predict_windows(
    module: &CModule,
    strip: Option<&CModule>,
    spec: &Array2<f32>,
    window: &WindowParams,
    pad: f32,
    device: Device,
    batch: usize,
) -> anyhow::Result<ClipPrediction> {
    let passes = Passes { window, pad, device, batch: batch.max(1) };
    let windows = match strip {
        Some(strip) => passes.of_strip(strip, spec)?,
        None => passes.of_windows(module, spec)?,
    };
    Ok(ClipPrediction { windows })
}

/// How a spectrogram's windows are cut and run.
struct Passes<'a> {
    window: &'a WindowParams,
    pad: f32,
    device: Device,
    batch: usize,
}

impl Passes<'_> {
    fn of_windows(&self, module: &CModule, spec: &Array2<f32>) -> anyhow::Result<Vec<Vec<f32>>> {
        let w = Windows::cut(spec.view(), self.window, self.pad);
        let (n, frames, mels) = w.data.dim();
        let flat = w.data.into_raw_vec_and_offset().0;
        let x = Tensor::from_slice(&flat).view([n as i64, 1, frames as i64, mels as i64]);
        let mut windows = Vec::with_capacity(n);
        for start in (0..n).step_by(self.batch) {
            let len = self.batch.min(n - start) as i64;
            let xb = x.narrow(0, start as i64, len).to_device(self.device);
            windows.extend(rows(tch::no_grad(|| module.forward_ts(&[xb]))?)?);
        }
        Ok(windows)
    }

    fn of_strip(&self, strip: &CModule, spec: &Array2<f32>) -> anyhow::Result<Vec<Vec<f32>>> {
        let (frames, mels) = spec.dim();
        let (len, hop) = (self.window.frames, self.window.hop_frames.max(1));
        // A clip shorter than a window is padded to one, as `Windows::cut` pads it.
        let mut strip_rows = spec.as_standard_layout().into_owned().into_raw_vec_and_offset().0;
        strip_rows.resize(frames.max(len) * mels, self.pad);
        let x = Tensor::from_slice(&strip_rows).view([frames.max(len) as i64, mels as i64]);
        let n = window_count(frames, self.window);
        let mut windows = Vec::with_capacity(n);
        for first in (0..n).step_by(self.batch) {
            let count = self.batch.min(n - first);
            let span = (count - 1) * hop + len;
            let part = x.narrow(0, (first * hop) as i64, span as i64).to_device(self.device);
            let kind = (tch::Kind::Int64, self.device);
            let starts = Tensor::arange_start_step(0, (count * hop) as i64, hop as i64, kind);
            windows.extend(rows(tch::no_grad(|| strip.forward_ts(&[part, starts]))?)?);
        }
        Ok(windows)
    }
}

/// A `windows × labels` output as one vector per window.
fn rows(out: Tensor) -> anyhow::Result<Vec<Vec<f32>>> {
    let out = out.to_device(Device::Cpu);
    let labels = out.size().get(1).copied().unwrap_or(1).max(1) as usize;
    let values = Vec::<f32>::try_from(out.contiguous().view([-1]))?;
    Ok(values.chunks(labels).map(<[f32]>::to_vec).collect())
}

/// Window predictions of many spectrograms.
pub fn predict_all(
    module: &CModule,
    specs: &[&Array2<f32>],
    window: &WindowParams,
    pad: f32,
    device: Device,
) -> anyhow::Result<Vec<ClipPrediction>> {
    specs.iter().map(|s| predict_windows(module, None, s, window, pad, device, 256)).collect()
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
        let manifest = shared::manifest::Manifest::new("predict-test", w, &Activation::default().to_string());
        let strip = trace_strip(&net, &manifest, Device::Cpu).unwrap();
        // Shorter than a window, one window and a bit, several windows with a ragged tail.
        for frames in [20, 50, 200] {
            let spec = Array2::from_shape_fn((frames, 128), |(t, m)| ((t * 31 + m * 7) % 97) as f32 / 50.0 - 1.0);
            for batch in [1, 3, 64] {
                let a = predict_windows(&module, None, &spec, &w, -4.0, Device::Cpu, batch).unwrap();
                let b = predict_windows(&module, Some(&strip), &spec, &w, -4.0, Device::Cpu, batch).unwrap();
                assert_eq!(a.windows.len(), b.windows.len());
                let diff = a.windows.iter().flatten().zip(b.windows.iter().flatten()).map(|(x, y)| (x - y).abs());
                let diff = diff.fold(0.0f32, f32::max);
                assert!(diff < 1e-5, "{frames} frames, batch {batch}: differ by {diff}");
            }
        }
    }
}
