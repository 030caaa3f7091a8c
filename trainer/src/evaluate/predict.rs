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
/// (The server's strip pass over shared frames is the engine's, [`engine::model::Model`].)
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
        let len = batch.max(1).min(n - start) as i64;
        let xb = x.narrow(0, start as i64, len).to_device(device);
        windows.extend(rows(tch::no_grad(|| module.forward_ts(&[xb]))?)?);
    }
    Ok(ClipPrediction { windows })
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
    specs.iter().map(|s| predict_windows(module, s, window, pad, device, 256)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::export;
    use crate::model::{Activation, ConvNet};
    use engine::model::{Forward, Model};
    use engine::window::WindowShape;
    use shared::model_dir::ModelDir;
    use tch::nn;

    #[test]
    fn the_exported_strip_predicts_what_the_windows_predict_for_any_length_and_batch() {
        tch::manual_seed(9);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), Activation::default(), 11);
        let w = WindowParams::default();
        let manifest = shared::manifest::Manifest::new("predict-test", w, &Activation::default().to_string());
        let dir = test_support::fresh_scratch_dir("predict-strip");
        let manifest = export(&mut vs, &net, manifest, &dir).unwrap();
        let files = ModelDir::new(&dir);
        let (shared, _) = Model::load(&files, Device::Cpu, true).unwrap();
        let (plain, _) = Model::load(&files, Device::Cpu, false).unwrap();
        assert!(shared.shares_frames() && !plain.shares_frames());
        let shape = WindowShape::of(&manifest);
        // Shorter than a window, one window and a bit, several windows with a ragged tail.
        for frames in [20, 50, 200] {
            let spec = Array2::from_shape_fn((frames, 128), |(t, m)| ((t * 31 + m * 7) % 97) as f32 / 50.0 - 1.0);
            let expected = predict_windows(&plain_module(&dir), &spec, &w, -4.0, Device::Cpu, 64).unwrap();
            let cut = Windows::cut(spec.view(), &w, -4.0);
            let n = cut.data.dim().0;
            let flat = cut.data.into_raw_vec_and_offset().0;
            for batch in [1, 3, 64] {
                let mut got = Vec::new();
                for first in (0..n).step_by(batch) {
                    let count = batch.min(n - first);
                    let part = &flat[first * shape.values()..(first + count) * shape.values()];
                    got.extend(shared.forward(part, count, shape).unwrap());
                }
                let want: Vec<f32> = expected.windows.iter().flatten().copied().collect();
                assert_eq!(got.len(), want.len());
                let diff = got.iter().zip(&want).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
                assert!(diff < 1e-5, "{frames} frames, batch {batch}: differ by {diff}");
            }
        }
    }

    fn plain_module(dir: &std::path::Path) -> CModule {
        crate::export::load(dir, Device::Cpu).unwrap().1
    }
}
