//! `server`: the instrument-recognition HTTP service.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Parser;

mod config;
mod device;
mod error;
mod http;
mod infer;
mod model;
mod shutdown;

fn main() -> anyhow::Result<()> {
    let config = config::Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,symphonia=off".into()),
        )
        .init();
    // The model is loaded and warmed up before the runtime starts, so the port opens only
    // when the server can answer.
    let manifest = model::load_manifest(&config.model_dir)?;
    let device = device::select(config.device)?;
    let model = model::Model::load(&config.model_dir, device)?;
    let (frames, mels) = (manifest.window.frames, manifest.front_end.n_mels);
    model.warm_up(frames as i64, mels as i64)?;
    tracing::info!(model = %manifest.model_id, device = ?model.device(), "model loaded and warmed up");
    let device_name = match model.device() {
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".to_string(),
    };
    let cors_origins = config
        .cors_origins
        .iter()
        .filter(|o| !o.is_empty())
        .map(|o| axum::http::HeaderValue::from_str(o).map_err(|_| anyhow::anyhow!("--cors-origins: {o:?} is not a valid origin")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let worker = infer::spawn_worker(model, config.max_batch_size);

    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let batcher = infer::Batcher::spawn(worker, config.queue_length, config.max_batch_size, config.max_batch_wait(), frames, mels);
        let state = Arc::new(http::AppState {
            manifest,
            batcher,
            permits: Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_requests)),
            max_body_bytes: config.max_body_bytes,
            max_audio_seconds: config.max_audio_seconds,
            ready: AtomicBool::new(true),
            device: device_name,
            cors_origins,
        });
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "listening");
        println!("listening on http://{addr}");
        let shutdown_state = state.clone();
        axum::serve(listener, http::app(state))
            .with_graceful_shutdown(async move {
                shutdown::signal().await;
                shutdown_state.ready.store(false, Ordering::Relaxed);
            })
            .await?;
        tracing::info!("stopped");
        Ok(())
    })
}
