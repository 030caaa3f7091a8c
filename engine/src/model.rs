//! The model: loading a model directory (the one loader every binary uses), the [`Forward`]
//! seam the model thread drives, and the TorchScript [`Model`] behind it (a fake one in the
//! in-process router tests).

use shared::frontend::Strip;
use shared::manifest::Manifest;
use shared::model_dir::ModelDir;
use tch::{CModule, Device};

use crate::error::EngineError;
use crate::window::WindowShape;

/// Windows in, sigmoids out: what the model thread runs. Not `Sync`: one thread owns it.
pub trait Forward: Send + 'static {
    /// Runs `n` windows of `shape` (flattened, row-major) and returns their `n × labels`
    /// sigmoids, or the reason it could not (for the log, never for a client).
    fn forward(&self, windows: &[f32], n: usize, shape: WindowShape) -> Result<Vec<f32>, String>;

    /// Whether it runs overlapping windows as one strip of shared frames.
    fn shares_frames(&self) -> bool {
        false
    }
}

pub struct Model {
    module: CModule,
    /// `strip.pt` and the hop it lays windows back at, when the server shares frames.
    strip: Option<(CModule, usize)>,
    device: Device,
}

/// A model directory loaded onto a device: its manifest, checked against `model.pt` (sha256,
/// labels, front end), `model.pt` and, when asked for and named by the manifest, `strip.pt`
/// (checked against its sha256).
pub struct Loaded {
    pub manifest: Manifest,
    pub module: CModule,
    pub strip: Option<CModule>,
}

/// Loads the model of `files` onto `device`: a model a binary would feed wrongly is refused, with
/// the file and the reason.
pub fn load(files: &ModelDir, device: Device, with_strip: bool) -> Result<Loaded, EngineError> {
    let manifest = files.read_verified().map_err(EngineError::ModelDir)?;
    let load = |path: std::path::PathBuf| -> Result<CModule, EngineError> {
        let mut module = CModule::load_on_device(&path, device)
            .map_err(|source| EngineError::ModelLoad { path: path.clone(), source })?;
        module.set_eval();
        Ok(module)
    };
    let module = load(files.model())?;
    let strip = match with_strip {
        true => files.verified_strip(&manifest).map_err(EngineError::ModelDir)?.map(load).transpose()?,
        false => None,
    };
    Ok(Loaded { manifest, module, strip })
}

/// Sets libtorch's intra-op threads for the calling thread's forward passes (OpenMP keeps the
/// setting per thread); 0 keeps libtorch's default of one per core.
pub fn set_threads(threads: usize) {
    if threads > 0 {
        tch::set_num_threads(threads as i32);
    }
}

impl Model {
    /// The model of `files` on `device`, sharing frames through `strip.pt` when `share_frames`
    /// and the directory has one; with its manifest.
    pub fn load(files: &ModelDir, device: Device, share_frames: bool) -> Result<(Self, Manifest), EngineError> {
        let Loaded { manifest, module, strip } = load(files, device, share_frames)?;
        let strip = strip.map(|m| (m, manifest.window.hop_frames));
        Ok((Self { module, strip, device }, manifest))
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// The sigmoids of the windows of `strip` (`rows × mels`) starting at its rows `starts`.
    fn forward_strip(&self, module: &CModule, strip: &Strip, mels: usize) -> Result<tch::Tensor, tch::TchError> {
        let rows = tch::Tensor::from_slice(&strip.rows).view([strip.len(mels) as i64, mels as i64]);
        let starts = tch::Tensor::from_slice(&strip.starts);
        tch::no_grad(|| module.forward_ts(&[rows.to_device(self.device), starts.to_device(self.device)]))
    }

    /// Runs one batch of windows (batch × frames × mels) and returns its sigmoids
    /// (batch × labels).
    pub fn forward_tensor(&self, windows: &tch::Tensor) -> Result<tch::Tensor, tch::TchError> {
        tch::no_grad(|| self.module.forward_ts(&[windows.to_device(self.device).unsqueeze(1)]))
    }
}

impl Forward for Model {
    fn shares_frames(&self) -> bool {
        self.strip.is_some()
    }

    fn forward(&self, windows: &[f32], n: usize, shape: WindowShape) -> Result<Vec<f32>, String> {
        let WindowShape { frames, mels, .. } = shape;
        let run = || -> Result<Vec<f32>, tch::TchError> {
            let shared = self.strip.as_ref().and_then(|(module, hop)| {
                let strip = Strip::of_windows(windows, frames, mels, *hop);
                strip.pays().then(|| self.forward_strip(module, &strip, mels))
            });
            let y = match shared {
                Some(y) => y?,
                None => {
                    let x = tch::Tensor::from_slice(windows).view([n as i64, frames as i64, mels as i64]);
                    self.forward_tensor(&x)?
                }
            };
            Vec::<f32>::try_from(y.to_device(Device::Cpu).contiguous().view([-1]))
        };
        run().map_err(|e| e.to_string())
    }
}
