//! The model the server runs: the [`Forward`] seam the model thread drives, and the TorchScript
//! [`Model`] behind it (a fake one in the in-process router tests).
use std::path::Path;

use shared::manifest::Manifest;
use shared::model_dir::ModelDir;
use tch::{CModule, Device};

use crate::error::StartupError;

/// Windows in, sigmoids out: what the model thread runs. Not `Sync`: one thread owns it.
pub trait Forward: Send + 'static {
    /// Runs `n` windows of `frames × mels` (flattened, row-major) and returns their
    /// `n × labels` sigmoids, or the reason it could not (for the log, never for a client).
    fn forward(&self, windows: &[f32], n: usize, frames: usize, mels: usize) -> Result<Vec<f32>, String>;
}

pub struct Model {
    module: CModule,
    device: Device,
}

/// Reads `manifest.json` and checks it against `model.pt` (sha256, labels, front end): a model
/// this server would feed wrongly is refused at startup, with the file and the reason.
pub fn load_manifest(dir: &Path) -> Result<Manifest, StartupError> {
    Ok(ModelDir::new(dir).read_verified()?)
}

/// Sets libtorch's intra-op threads for the calling thread's forward passes (OpenMP keeps the
/// setting per thread); 0 keeps libtorch's default of one per core.
pub fn set_threads(threads: usize) {
    if threads > 0 {
        tch::set_num_threads(threads as i32);
    }
}

impl Model {
    pub fn load(dir: &Path, device: Device) -> Result<Self, StartupError> {
        let path = ModelDir::new(dir).model();
        let mut module = CModule::load_on_device(&path, device)
            .map_err(|source| StartupError::ModelLoad { path: path.clone(), source })?;
        module.set_eval();
        Ok(Self { module, device })
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// Runs one batch of windows (batch × frames × mels) and returns its sigmoids
    /// (batch × labels).
    pub fn forward_tensor(&self, windows: &tch::Tensor) -> Result<tch::Tensor, tch::TchError> {
        tch::no_grad(|| self.module.forward_ts(&[windows.to_device(self.device).unsqueeze(1)]))
    }
}

impl Forward for Model {
    fn forward(&self, windows: &[f32], n: usize, frames: usize, mels: usize) -> Result<Vec<f32>, String> {
        let run = || -> Result<Vec<f32>, tch::TchError> {
            let x = tch::Tensor::from_slice(windows).view([n as i64, frames as i64, mels as i64]);
            let y = self.forward_tensor(&x)?.to_device(Device::Cpu).contiguous().view([-1]);
            Vec::<f32>::try_from(y)
        };
        run().map_err(|e| e.to_string())
    }
}
