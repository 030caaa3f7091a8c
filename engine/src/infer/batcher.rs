//! The batching queue: windows of concurrent requests are gathered into batches of up to
//! `max_batch_size` windows, waiting at most `max_batch_wait` for a batch to fill.
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::worker::Batch;
use crate::error::EngineError;
use crate::metrics::Metrics;
use crate::window::WindowShape;

/// One request's windows, flattened (`n × frames × mels`), and where its sigmoids go.
pub struct Job {
    pub windows: Vec<f32>,
    pub n: usize,
    pub reply: oneshot::Sender<Result<Scored, EngineError>>,
    pub span: tracing::Span,
}

/// A request's sigmoids (`n × labels`) and where its time went.
#[derive(Debug)]
pub struct Scored {
    pub sigmoids: Vec<f32>,
    /// From entering the queue to its batch starting on the model.
    pub queue_time: Duration,
    /// The model time of the batch (or batches) its windows ran in.
    pub inference_time: Duration,
}

/// A job with the moment it was queued.
struct Queued {
    job: Job,
    at: Instant,
}

/// Shape of the windows and the batching policy.
#[derive(Debug, Clone, Copy)]
pub struct BatchPolicy {
    pub capacity: usize,
    pub max_batch: usize,
    pub max_wait: Duration,
    pub shape: WindowShape,
}

/// Handle to the batching task.
#[derive(Clone)]
pub struct Batcher {
    tx: mpsc::Sender<Queued>,
    metrics: Metrics,
}

impl Batcher {
    /// Starts the task that owns the queue (`policy.capacity` jobs) and feeds `worker`.
    pub fn spawn(worker: std_mpsc::Sender<Batch>, policy: BatchPolicy, metrics: Metrics) -> Self {
        let (tx, rx) = mpsc::channel(policy.capacity.max(1));
        tokio::spawn(run(rx, worker, policy, metrics.clone()));
        Self { tx, metrics }
    }

    /// Queues a job, or refuses it at once when the queue is full.
    pub fn submit(&self, job: Job) -> Result<(), EngineError> {
        self.tx.try_send(Queued { job, at: Instant::now() }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => EngineError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => EngineError::ModelStopped,
        })?;
        self.metrics.queue_depth.inc();
        Ok(())
    }
}

async fn run(mut rx: mpsc::Receiver<Queued>, worker: std_mpsc::Sender<Batch>, policy: BatchPolicy, metrics: Metrics) {
    let BatchPolicy { max_batch, max_wait, shape, .. } = policy;
    let max_batch = max_batch.max(1);
    while let Some(first) = rx.recv().await {
        metrics.queue_depth.dec();
        let mut total = first.job.n;
        let mut jobs = vec![first];
        let deadline = Instant::now() + max_wait;
        while total < max_batch {
            tokio::select! {
                job = rx.recv() => match job {
                    Some(q) => { metrics.queue_depth.dec(); total += q.job.n; jobs.push(q); }
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        // A request whose client has gone is dropped here, before it costs model time.
        let before = jobs.len();
        jobs.retain(|q| !q.job.reply.is_closed());
        metrics.cancelled.inc_by((before - jobs.len()) as u64);
        if jobs.is_empty() {
            continue;
        }
        let n: usize = jobs.iter().map(|q| q.job.n).sum();
        let mut input = Vec::with_capacity(n * shape.values());
        for q in &jobs {
            input.extend_from_slice(&q.job.windows);
        }
        let started = Instant::now();
        for q in &jobs {
            metrics.queue_time.observe((started - q.at).as_secs_f64());
        }
        let parent = jobs.first().and_then(|q| q.job.span.id());
        let span = tracing::info_span!(parent: parent, "batch", windows = n, requests = jobs.len());
        let (reply, result) = oneshot::channel();
        if worker.send(Batch { input, n, shape, reply, span }).is_err() {
            for q in jobs {
                let _ = q.job.reply.send(Err(EngineError::ModelStopped));
            }
            continue;
        }
        match result.await {
            Ok(Ok(out)) => {
                for chunk in &out.chunks {
                    metrics.batch_size.observe(chunk.windows as f64);
                    metrics.inference_time.observe(chunk.seconds);
                }
                let inference_time = Duration::from_secs_f64(out.chunks.iter().map(|c| c.seconds).sum());
                let labels = shape.labels;
                let mut offset = 0;
                for q in jobs {
                    let part = out.sigmoids.get(offset * labels..(offset + q.job.n) * labels).map(<[f32]>::to_vec);
                    offset += q.job.n;
                    let answer = part
                        .map(|sigmoids| Scored { sigmoids, queue_time: started - q.at, inference_time })
                        .ok_or_else(|| {
                            EngineError::Inference(format!(
                                "the model returned {} sigmoids for {n} windows of {labels} labels",
                                out.sigmoids.len()
                            ))
                        });
                    let _ = q.job.reply.send(answer);
                }
            }
            Ok(Err(msg)) => {
                for q in jobs {
                    let _ = q.job.reply.send(Err(EngineError::Inference(msg.clone())));
                }
            }
            Err(_) => {
                for q in jobs {
                    let _ = q.job.reply.send(Err(EngineError::ModelStopped));
                }
            }
        }
    }
}
