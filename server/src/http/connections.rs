//! The accept loop: HTTP/1.1 connections served by hyper, with the limits a public service needs
//! that `axum::serve` does not set.
//! - **Header timeout** (`--header-timeout-s`): a connection must send a request's headers within
//!   it, and an idle keep-alive connection is closed after it. A new connection that sent no
//!   whole request head in time is answered 408 (`timeout`) before it is closed; an idle
//!   keep-alive connection is closed without an answer, as HTTP allows, so a client that reuses
//!   it never reads a 408 meant for no request.
//! - **Connection limit** (`--max-connections`): past it a connection is answered 503
//!   (`too_many_connections`, `Retry-After: 1`) and closed at once, so the process never runs
//!   out of file descriptors; the limit is lowered at startup to what the descriptor limit allows.
//! - **Graceful shutdown**: when `shutdown` resolves the listener closes, every connection finishes
//!   the request it is serving and closes, and `serve` returns when the last one has. A
//!   connection upgraded to a WebSocket (`/v1/stream`) leaves this loop's count at the upgrade;
//!   its stream ends itself at shutdown (`serve.rs` waits for it).
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use super::error::ErrorBody;
use crate::error::ServerError;
use engine::metrics::Metrics;
use shared::invariant::slice;

/// Descriptors kept free beside the connections: the model's files, libtorch, logs, the
/// listener itself.
const RESERVED_FDS: u64 = 128;

/// Limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    /// Raises the soft descriptor limit to the hard one and lowers `max_connections` (with a
    /// warning) when even that leaves too few descriptors for them.
    pub fn fitted_to_descriptors(self) -> Self {
        let available = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => limit,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read or raise the file-descriptor limit; --max-connections kept as set");
                return self;
            }
        };
        let room = usize::try_from(available.saturating_sub(RESERVED_FDS).max(1)).unwrap_or(usize::MAX);
        if self.max_connections > room {
            tracing::warn!(
                max_connections = self.max_connections,
                lowered_to = room,
                fd_limit = available,
                "--max-connections is over what the file-descriptor limit (ulimit -n) allows; lowered"
            );
            return Self { max_connections: room, ..self };
        }
        self
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then until the connections in flight
/// have finished.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    metrics: Metrics,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    // `stop` tells every connection to finish its request and close; each holds a `closed`
    // receiver, so the sender sees all of them gone when the last connection has ended.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (closed_tx, closed_rx) = watch::channel(());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors or memory for a moment: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            metrics.connections_refused.inc();
            tokio::spawn(answer_and_close(stream, ServerError::TooManyConnections { limit: limits.max_connections }));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let stream = Arc::new(stream);
        let requests = Arc::new(AtomicUsize::new(0));
        let service = {
            let (app, requests) = (app.clone(), requests.clone());
            hyper::service::service_fn(move |req: Request<Incoming>| {
                requests.fetch_add(1, Ordering::Relaxed);
                app.clone().oneshot(req.map(axum::body::Body::new))
            })
        };
        let open = metrics.connections_open.clone();
        open.inc();
        let header_timeouts = metrics.header_timeouts.clone();
        let (mut stop, closed) = (stop_rx.clone(), closed_rx.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
            // With upgrades: `/v1/stream` turns the connection into a WebSocket.
            let conn = builder.serve_connection(TokioIo::new(Shared(stream.clone())), service).with_upgrades();
            tokio::pin!(conn);
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let result = tokio::select! {
                r = conn.as_mut() => r,
                () = stopped => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                if e.is_timeout() {
                    header_timeouts.inc();
                    if requests.load(Ordering::Relaxed) == 0 {
                        let timeout = ServerError::Timeout { seconds: limits.header_timeout.as_secs_f64() };
                        write_error(&stream, &timeout).await;
                    }
                } else {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            }
            open.dec();
            drop(slot);
            drop(closed);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(closed_rx);
    closed_tx.closed().await;
    Ok(())
}

/// A refusal on a connection that is not served: its error, then close.
async fn answer_and_close(stream: TcpStream, error: ServerError) {
    write_error(&stream, &error).await;
}

/// Writes `error` as a whole HTTP/1.1 answer that closes the connection (best effort: a client
/// that is gone is not an error of ours).
async fn write_error(stream: &TcpStream, error: &ServerError) {
    let body = serde_json::to_string(&ErrorBody::of(error)).unwrap_or_else(|_| String::from("{}"));
    let status = error.status();
    let retry = error.retry_after().map(|s| format!("retry-after: {s}\r\n")).unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{retry}connection: close\r\n\r\n{body}",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    let mut rest = answer.as_bytes();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while !rest.is_empty() {
        let writable = tokio::time::timeout_at(deadline, stream.writable()).await;
        if !matches!(writable, Ok(Ok(()))) {
            return;
        }
        match stream.try_write(rest) {
            Ok(n) => rest = slice(rest, n.., "the unwritten rest of the refusal"),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
    }
}

/// A TCP connection that hyper serves while the accept loop keeps a handle to it, to answer a
/// header timeout after hyper has given the connection up. Closed when the last handle drops.
struct Shared(Arc<TcpStream>);

impl AsyncRead for Shared {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            match self.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Shared {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Sends FIN after what was written; the descriptor closes when the last handle drops.
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let done = socket2::SockRef::from(self.0.as_ref()).shutdown(std::net::Shutdown::Write);
        Poll::Ready(match done {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}
