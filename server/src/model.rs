//! The TorchScript model on its device, with its verified manifest.
use std::path::Path;

use shared::frontend::FrontEndParams;
use shared::manifest::Manifest;
use tch::{CModule, Device};

use crate::error::ServerError;

pub struct Model {
    module: CModule,
    device: Device,
}

/// Reads `manifest.json` and checks it against `model.pt` (sha256, labels, front end): a model
/// this server would feed wrongly is refused at startup, with the reason.
pub fn load_manifest(dir: &Path) -> Result<Manifest, ServerError> {
    let manifest_path = dir.join("manifest.json");
    let bad = |message: String| ServerError::Manifest { path: manifest_path.clone(), message };
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| bad(e.to_string()))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| bad(format!("not a valid manifest: {e}")))?;
    let model_path = dir.join("model.pt");
    let bytes = std::fs::read(&model_path).map_err(|source| ServerError::ModelMissing { path: model_path, source })?;
    manifest.verify(&bytes, &FrontEndParams::default()).map_err(|e| bad(e.to_string()))?;
    Ok(manifest)
}

/// Sets libtorch's intra-op threads for the calling thread's forward passes (OpenMP keeps the
/// setting per thread); 0 keeps libtorch's default of one per core.
pub fn set_threads(threads: usize) {
    if threads > 0 {
        tch::set_num_threads(threads as i32);
    }
}

impl Model {
    pub fn load(dir: &Path, device: Device) -> Result<Self, ServerError> {
        let path = dir.join("model.pt");
        std::fs::metadata(&path).map_err(|source| ServerError::ModelMissing { path: path.clone(), source })?;
        let mut module = CModule::load_on_device(&path, device)
            .map_err(|source| ServerError::ModelLoad { path: path.clone(), source })?;
        module.set_eval();
        Ok(Self { module, device })
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// Runs one batch of windows (batch × frames × mels) and returns its sigmoids
    /// (batch × labels).
    pub fn forward(&self, windows: &tch::Tensor) -> Result<tch::Tensor, ServerError> {
        tch::no_grad(|| {
            let input = windows.to_device(self.device).unsqueeze(1);
            self.module.forward_ts(&[input]).map_err(ServerError::Inference)
        })
    }

    /// One forward pass on silence, so the first request does not pay for lazy initialisation.
    pub fn warm_up(&self, frames: i64, mels: i64) -> Result<Vec<i64>, ServerError> {
        let silence = tch::Tensor::zeros([1, frames, mels], (tch::Kind::Float, tch::Device::Cpu));
        Ok(self.forward(&silence)?.size())
    }
}
