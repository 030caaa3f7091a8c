//! Graceful shutdown: on SIGINT or SIGTERM (or when the model thread dies), `/readyz` turns 503 at once and new recognitions get
//! 503 (`shutting_down`, `Retry-After`) while the requests already accepted go on; after the
//! drain delay the listener closes, the connections finish what is in flight, and the process
//! exits 0.
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::http::AppState;

/// Resolves when the listener should close: a signal, then `drain` of still answering (new
/// recognitions with 503, so a client retries on another replica) while readiness reports 503
/// and load balancers stop sending new requests.
pub async fn drain(state: Arc<AppState>, drain: Duration) {
    let mut alive = state.model_alive.clone();
    tokio::select! {
        () = signal() => {
            tracing::info!(drain_s = drain.as_secs_f64(), "shutdown requested: not ready; finishing requests in flight");
        }
        _ = alive.wait_for(|a| !*a) => {
            tracing::error!(drain_s = drain.as_secs_f64(), "the model thread has stopped: not ready; stopping so the orchestrator restarts the server");
        }
    }
    state.ready.store(false, Ordering::Relaxed);
    tokio::time::sleep(drain).await;
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
