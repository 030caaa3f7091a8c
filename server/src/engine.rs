//! The model loaded, verified, warmed up and running on its own thread: where the service and
//! the offline CLI both start.
use std::sync::mpsc;

use serde::Serialize;
use shared::manifest::Manifest;
use utoipa::ToSchema;

use crate::config::ModelArgs;
use crate::error::StartupError;
use crate::infer::tuning::{choose_precision, Budget, Chunking, PrecisionTrial};
use crate::infer::{spawn_worker, BatchPolicy, Batcher, WorkerSetup};
use crate::metrics::Metrics;
use crate::model::Forward;
use crate::recognizer::Recognizer;
use crate::{device, model};

/// Where and how the model runs (`/v1/model`, the startup log, the metrics).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Runtime {
    /// `cpu` or `cuda:N`.
    #[schema(example = "cpu")]
    pub device: String,
    /// Windows per forward pass, and how they were chosen.
    pub chunking: Chunking,
    /// The precisions timed at warm-up, when `--precision auto` had fp32 and a bf16 export to
    /// choose from on a CPU with bfloat16 units (empty otherwise); the faster is served, bf16
    /// only when more than 5 % faster.
    pub precisions: Vec<PrecisionTrial>,
}

/// A started model thread and what describes it.
pub struct Engine {
    pub manifest: Manifest,
    /// Most windows per batch.
    pub max_batch: usize,
    pub runtime: Runtime,
    worker: mpsc::Sender<crate::infer::Batch>,
}

impl Engine {
    /// Loads the model of `args`, checks it against its manifest, and starts the thread that
    /// owns it (warmed up, its chunk size chosen). Where `--precision auto` has fp32 and bf16 to
    /// choose from, both are started and timed, and the faster one kept.
    pub fn start(args: &ModelArgs) -> anyhow::Result<Self> {
        if args.retain_freed_memory {
            let retained = shared::memory::retain_freed_memory();
            tracing::info!(retained, "freed memory kept for the next forward pass");
        }
        let device = device::select(args.device)?;
        let dirs = device::model_dirs(&args.model_dir, args.precision, device, device::cpu_has_bf16())?;
        let compare = dirs.len() > 1;
        let mut started = Vec::with_capacity(dirs.len());
        for dir in &dirs {
            let manifest = model::load_manifest(dir)?;
            let model = model::Model::load(dir, device)?;
            let device = match model.device() {
                tch::Device::Cuda(i) => format!("cuda:{i}"),
                _ => "cpu".to_string(),
            };
            tracing::info!(model = %manifest.model_id, precision = ?manifest.precision, dir = %dir.display(), %device, "model loaded");
            started.push(Self::launch(model, manifest, device, args, compare)?);
        }
        let trials: Vec<PrecisionTrial> = started
            .iter()
            .map(|e| PrecisionTrial {
                precision: e.manifest.precision,
                windows_per_second: e.runtime.chunking.rate().unwrap_or(0.0),
            })
            .collect();
        let kept = choose_precision(&trials);
        // The others' senders drop here: their threads end and free their models.
        let mut engine = started.into_iter().nth(kept).ok_or_else(|| anyhow::anyhow!("no model to serve"))?;
        if compare {
            let rates: Vec<String> =
                trials.iter().map(|t| format!("{}: {:.0}/s", t.precision, t.windows_per_second)).collect();
            tracing::info!(precision = %engine.manifest.precision, trials = %rates.join(", "), "precision chosen");
            engine.runtime.precisions = trials;
        }
        Ok(engine)
    }

    /// Starts the model thread over any [`Forward`] (the in-process tests' fake models too) and
    /// waits for its warm-up.
    pub fn with_model(
        model: impl Forward,
        manifest: Manifest,
        device: String,
        args: &ModelArgs,
    ) -> Result<Self, StartupError> {
        Self::launch(model, manifest, device, args, false)
    }

    /// [`Engine::with_model`], timing a fixed chunk size too when `compare`.
    fn launch(
        model: impl Forward,
        manifest: Manifest,
        device: String,
        args: &ModelArgs,
        compare: bool,
    ) -> Result<Self, StartupError> {
        let max_batch = args.max_batch_size.max(1);
        let setup = WorkerSetup {
            frames: manifest.window.frames,
            mels: manifest.front_end.n_mels,
            max_batch,
            chunk: args.chunk_size,
            threads: args.model_threads,
            budget: Budget::default(),
            time_fixed: compare,
        };
        let (worker, chunking) = spawn_worker(model, setup)?;
        let trials: Vec<String> =
            chunking.trials.iter().map(|t| format!("{}: {:.0}/s", t.windows, t.windows_per_second)).collect();
        tracing::info!(precision = %manifest.precision, chunk_size = chunking.chunk_size, tuned = chunking.tuned, trials = %trials.join(", "), "model warmed up");
        let runtime = Runtime { device, chunking, precisions: Vec::new() };
        Ok(Self { manifest, max_batch, runtime, worker })
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
        metrics.describe_model(&self.manifest.model_id, &self.runtime);
        let batcher = Batcher::spawn(self.worker, policy, metrics.clone());
        Recognizer::new(self.manifest, batcher, metrics.clone())
    }
}
