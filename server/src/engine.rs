//! The model loaded, verified, warmed up and running on its own thread: where the service and
//! the offline CLI both start.
use std::sync::mpsc;

use shared::manifest::Manifest;

use crate::config::ModelArgs;
use crate::infer::{spawn_worker, BatchPolicy, Batcher};
use crate::metrics::Metrics;
use crate::recognizer::Recognizer;
use crate::{device, model};

/// A started model thread and what describes it.
pub struct Engine {
    pub manifest: Manifest,
    /// Windows per forward pass and most per batch.
    pub max_batch: usize,
    /// `cpu` or `cuda:N`.
    pub device: String,
    worker: mpsc::Sender<crate::infer::Batch>,
}

impl Engine {
    /// Loads the model of `args`, checks it against its manifest, runs one warm-up pass, and
    /// starts the thread that owns it; `default_batch` when `args` sets no `--max-batch-size`.
    pub fn start(args: &ModelArgs, default_batch: usize) -> anyhow::Result<Self> {
        let max_batch = args.max_batch(default_batch).max(1);
        let device = device::select(args.device)?;
        let dir = device::model_dir(&args.model_dir, args.precision, device, device::cpu_has_bf16())?;
        let manifest = model::load_manifest(&dir)?;
        model::set_threads(args.model_threads);
        let model = model::Model::load(&dir, device)?;
        model.warm_up(manifest.window.frames, manifest.front_end.n_mels)?;
        let device = match model.device() {
            tch::Device::Cuda(i) => format!("cuda:{i}"),
            _ => "cpu".to_string(),
        };
        tracing::info!(model = %manifest.model_id, precision = ?manifest.precision, dir = %dir.display(), %device, "model loaded and warmed up");
        let worker = spawn_worker(model, max_batch, args.model_threads)?;
        Ok(Self { manifest, max_batch, device, worker })
    }

    /// The batching task in front of the model thread (call inside a tokio runtime), and the
    /// recognition core over it. `capacity` bounds the jobs waiting.
    pub fn recognizer(self, args: &ModelArgs, capacity: usize, metrics: &Metrics) -> Recognizer {
        let policy = BatchPolicy {
            capacity,
            max_batch: self.max_batch,
            max_wait: args.max_batch_wait(),
            frames: self.manifest.window.frames,
            mels: self.manifest.front_end.n_mels,
        };
        let batcher = Batcher::spawn(self.worker, policy, metrics.clone());
        Recognizer::new(self.manifest, batcher, metrics.clone())
    }
}
