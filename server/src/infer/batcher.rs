//! The batching queue: windows of concurrent requests are gathered into batches of up to
//! `max_batch_size` windows, waiting at most `max_batch_wait` for a batch to fill.
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::worker::Batch;
use crate::error::ServerError;

/// One request's windows, flattened (`n × frames × mels`), and where its sigmoids go.
pub struct Job {
    pub windows: Vec<f32>,
    pub n: usize,
    pub reply: oneshot::Sender<Result<Vec<f32>, ServerError>>,
    pub span: tracing::Span,
}

/// Handle to the batching task.
#[derive(Clone)]
pub struct Batcher {
    tx: mpsc::Sender<Job>,
}

impl Batcher {
    /// Starts the task that owns the queue (`capacity` jobs) and feeds `worker`.
    pub fn spawn(worker: std_mpsc::Sender<Batch>, capacity: usize, max_batch: usize, max_wait: Duration, frames: usize, mels: usize) -> Self {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(run(rx, worker, max_batch.max(1), max_wait, frames, mels));
        Self { tx }
    }

    /// Queues a job, or refuses it at once when the queue is full.
    pub fn submit(&self, job: Job) -> Result<(), ServerError> {
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ServerError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => ServerError::ShuttingDown,
        })
    }
}

async fn run(mut rx: mpsc::Receiver<Job>, worker: std_mpsc::Sender<Batch>, max_batch: usize, max_wait: Duration, frames: usize, mels: usize) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut total = jobs[0].n;
        let deadline = Instant::now() + max_wait;
        while total < max_batch {
            tokio::select! {
                job = rx.recv() => match job {
                    Some(job) => { total += job.n; jobs.push(job); }
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        // A request whose client has gone is dropped here, before it costs model time.
        jobs.retain(|j| !j.reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let n: usize = jobs.iter().map(|j| j.n).sum();
        let mut input = Vec::with_capacity(n * frames * mels);
        for j in &jobs {
            input.extend_from_slice(&j.windows);
        }
        let span = tracing::info_span!(parent: &jobs[0].span, "batch", windows = n, requests = jobs.len());
        let (reply, result) = oneshot::channel();
        if worker.send(Batch { input, n, frames, mels, reply, span }).is_err() {
            for j in jobs {
                let _ = j.reply.send(Err(ServerError::ShuttingDown));
            }
            continue;
        }
        match result.await {
            Ok(Ok(out)) => {
                let labels = out.len() / n.max(1);
                let mut offset = 0;
                for j in jobs {
                    let part = out[offset * labels..(offset + j.n) * labels].to_vec();
                    offset += j.n;
                    let _ = j.reply.send(Ok(part));
                }
            }
            Ok(Err(e)) => {
                let msg = e.to_string();
                for j in jobs {
                    let _ = j.reply.send(Err(ServerError::InferenceFailed(msg.clone())));
                }
            }
            Err(_) => {
                for j in jobs {
                    let _ = j.reply.send(Err(ServerError::ShuttingDown));
                }
            }
        }
    }
}
