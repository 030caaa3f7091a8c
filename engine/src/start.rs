//! The model loaded, verified, warmed up and running on its own thread: where the service, the
//! offline CLI and the tests all start.
use std::sync::mpsc;

use tokio::sync::watch;

use shared::manifest::Manifest;

use crate::config::ModelArgs;
use crate::device;
use crate::error::EngineError;
use crate::infer::tuning::Budget;
use crate::infer::{spawn_worker, BatchPolicy, Batcher, Worker, WorkerSetup};
use crate::metrics::Metrics;
use crate::model::{Forward, Model};
use crate::recognizer::Recognizer;
use crate::runtime::Runtime;
use crate::window::WindowShape;

/// A started model thread and what describes it.
pub struct Engine {
    pub manifest: Manifest,
    /// Most windows per batch.
    pub max_batch: usize,
    pub runtime: Runtime,
    /// True while the model thread runs (`/readyz` follows it; the server stops when it ends).
    pub alive: watch::Receiver<bool>,
    worker: mpsc::Sender<crate::infer::Batch>,
}

impl Engine {
    /// Loads the model of `args`, checks it against its manifest, and starts the thread that
    /// owns it (warmed up, its chunk size chosen).
    pub fn start(args: &ModelArgs) -> Result<Self, EngineError> {
        Self::start_wrapped(args, |model| model)
    }

    /// [`Engine::start`] with the loaded model wrapped by `wrap` before its thread starts: the
    /// seam through which the end-to-end tests plant a fault in the model thread.
    pub fn start_wrapped<F: Forward>(args: &ModelArgs, wrap: impl FnOnce(Model) -> F) -> Result<Self, EngineError> {
        if args.retain_freed_memory {
            let retained = shared::memory::retain_freed_memory();
            tracing::info!(retained, "freed memory kept for the next forward pass");
        }
        let device = args.device.resolve()?;
        let files = device::select_model_dir(&args.model_dir, args.precision, device, device::cpu_has_amx_bf16())?;
        let (model, manifest) = Model::load(&files, device, args.share_frames)?;
        let device = device::describe(model.device());
        tracing::info!(model = %manifest.model_id, precision = ?manifest.precision, dir = %files.dir.display(), %device, "model loaded");
        Self::with_model(wrap(model), manifest, device, args)
    }

    /// Starts the model thread over any [`Forward`] (the in-process tests' fake models too) and
    /// waits for its warm-up.
    pub fn with_model(
        model: impl Forward,
        manifest: Manifest,
        device: String,
        args: &ModelArgs,
    ) -> Result<Self, EngineError> {
        let max_batch = args.max_batch_size.max(1);
        let setup = WorkerSetup {
            shape: WindowShape::of(&manifest),
            max_batch,
            chunk: args.chunk_size,
            threads: args.model_threads,
            budget: Budget::default(),
        };
        let shares_frames = model.shares_frames();
        let Worker { batches: worker, chunking, alive } = spawn_worker(model, setup)?;
        let trials: Vec<String> =
            chunking.trials.iter().map(|t| format!("{}: {:.0}/s", t.windows, t.windows_per_second)).collect();
        tracing::info!(chunk_size = chunking.chunk_size, shares_frames, tuned = chunking.tuned, trials = %trials.join(", "), "model warmed up");
        Ok(Self { manifest, max_batch, runtime: Runtime { device, shares_frames, chunking }, alive, worker })
    }

    /// The batching task in front of the model thread (call inside a tokio runtime), and the
    /// recognition core over it, which also tells where the model runs and whether its thread
    /// lives. `capacity` bounds the jobs waiting.
    pub fn recognizer(self, args: &ModelArgs, capacity: usize, metrics: &Metrics) -> Recognizer {
        let policy = BatchPolicy {
            capacity,
            max_batch: self.max_batch,
            max_wait: args.max_batch_wait(),
            shape: WindowShape::of(&self.manifest),
        };
        metrics.describe_model(&self.manifest.model_id, &self.runtime.device, self.runtime.chunking.chunk_size);
        let batcher = Batcher::spawn(self.worker, policy, metrics.clone());
        Recognizer::new(self.manifest, args.audible_floor_dbfs, batcher, metrics.clone(), self.runtime, self.alive)
    }
}
