//! Startup: load, verify and warm the model, then open the port and serve until shutdown.
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::http::connections::{self, Limits};
use crate::http::{self, AppState};
use crate::shutdown;
use engine::metrics::Metrics;
use engine::Engine;

/// What the server prints on stdout, before its base URL, once the port is open: a parent process
/// (tests, benchmarks, scripts) that started it on `--port 0` reads the URL from that line.
pub const LISTENING_PREFIX: &str = "listening on ";

/// Reads a starting server's stdout up to its `listening on` line and returns the base URL
/// (`http://127.0.0.1:PORT`); `None` when the output ends first: the server exited before it
/// opened its port.
pub fn read_listening_url(stdout: impl std::io::Read) -> Option<String> {
    use std::io::BufRead;
    std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix(LISTENING_PREFIX).map(|url| url.trim().to_string()))
}

pub fn run(config: Config) -> anyhow::Result<()> {
    // The model is loaded and warmed up before the runtime starts, so the port opens only
    // when the server can answer.
    let engine = Engine::start(&config.model)?;
    run_engine(config, engine)
}

/// Serves with a started engine (the end-to-end tests' one with a planted fault too).
pub fn run_engine(config: Config, engine: Engine) -> anyhow::Result<()> {
    let metrics = Metrics::new()?;

    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let recognizer = engine.recognizer(&config.model, config.queue_length, &metrics);
        let alive = recognizer.alive();
        let state = Arc::new(AppState::new(&config, recognizer)?);
        if !state.api_keys.is_open() {
            tracing::info!("API keys required on /v1/*");
        }
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "listening");
        println!("{LISTENING_PREFIX}http://{addr}");
        let drain = Duration::from_secs_f64(config.shutdown_drain_s);
        let limits = Limits {
            header_timeout: Duration::from_secs_f64(config.header_timeout_s),
            max_connections: config.max_connections,
        }
        .fitted_to_descriptors();
        let app = http::app(state.clone());
        connections::serve(listener, app, limits, state.metrics.clone(), shutdown::drain(state.clone(), drain)).await?;
        // Live streams answer what they have and close once they see the shutdown (at their
        // next message); wait for them, a bounded time.
        let t0 = std::time::Instant::now();
        while state.metrics.streams_open.get() > 0 && t0.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The model thread died: a non-zero exit, so a supervisor or Kubernetes restarts us.
        anyhow::ensure!(*alive.borrow(), "stopped because the model thread died (its panic is logged above)");
        tracing::info!("stopped");
        Ok(())
    })
}
