//! Startup: load, verify and warm the model, then open the port and serve until shutdown.
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::http::{self, AppState};
use crate::infer::{self, BatchPolicy};
use crate::metrics::Metrics;
use crate::recognizer::Recognizer;
use crate::{device, model, shutdown};

pub fn run(config: Config) -> anyhow::Result<()> {
    // The model is loaded and warmed up before the runtime starts, so the port opens only
    // when the server can answer.
    let device = device::select(config.device)?;
    let model_dir = device::model_dir(&config.model_dir, config.precision, device, device::cpu_has_bf16())?;
    let manifest = model::load_manifest(&model_dir)?;
    model::set_threads(config.model_threads);
    let model = model::Model::load(&model_dir, device)?;
    let (frames, mels) = (manifest.window.frames, manifest.front_end.n_mels);
    model.warm_up(frames, mels)?;
    let device_name = match model.device() {
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".to_string(),
    };
    tracing::info!(model = %manifest.model_id, precision = ?manifest.precision, dir = %model_dir.display(), device = %device_name, "model loaded and warmed up");
    let metrics = Metrics::new()?;
    metrics.model_info.with_label_values(&[manifest.model_id.as_str(), device_name.as_str()]).set(1);
    let worker = infer::spawn_worker(model, config.max_batch_size, config.model_threads)?;
    let policy = BatchPolicy {
        capacity: config.queue_length,
        max_batch: config.max_batch_size,
        max_wait: config.max_batch_wait(),
        frames,
        mels,
    };

    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let batcher = infer::Batcher::spawn(worker, policy, metrics.clone());
        let recognizer = Recognizer::new(manifest, batcher, metrics.clone());
        let state = Arc::new(AppState::new(&config, recognizer, device_name, metrics)?);
        if !state.api_keys.is_open() {
            tracing::info!("API keys required on /v1/*");
        }
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "listening");
        println!("listening on http://{addr}");
        let drain = Duration::from_secs_f64(config.shutdown_drain_s);
        axum::serve(listener, http::app(state.clone())).with_graceful_shutdown(shutdown::drain(state, drain)).await?;
        tracing::info!("stopped");
        Ok(())
    })
}
