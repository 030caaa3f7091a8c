//! The thread that owns the TorchScript model: warms it up, sizes its forward passes, and runs
//! batches.
use std::sync::mpsc;
use std::time::Instant;

use tokio::sync::{oneshot, watch};

use super::tuning::{self, Budget, ChunkSize, Chunking};
use crate::error::EngineError;
use crate::model::Forward;
use crate::window::WindowShape;

/// A batch for the model: `n` windows of `shape`, flattened.
pub struct Batch {
    pub input: Vec<f32>,
    pub n: usize,
    pub shape: WindowShape,
    /// The sigmoids, or why the model failed (for the log).
    pub reply: oneshot::Sender<Result<BatchOutput, String>>,
    pub span: tracing::Span,
}

/// One forward pass of the model.
#[derive(Debug, Clone, Copy)]
pub struct ChunkRun {
    pub windows: usize,
    pub seconds: f64,
}

/// The sigmoids of a batch (`n × labels`) and the forward passes it took.
#[derive(Debug)]
pub struct BatchOutput {
    pub sigmoids: Vec<f32>,
    pub chunks: Vec<ChunkRun>,
}

/// How the model thread runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSetup {
    /// Shape of one window, the hop between a clip's windows, and the labels.
    pub shape: WindowShape,
    /// Most windows per batch; chunk sizes are tuned up to it.
    pub max_batch: usize,
    /// `--chunk-size`.
    pub chunk: ChunkSize,
    /// Libtorch intra-op threads (0: its default).
    pub threads: usize,
    pub budget: Budget,
}

/// The started model thread: where batches go, how it runs them, and whether it still lives.
pub struct Worker {
    pub batches: mpsc::Sender<Batch>,
    pub chunking: Chunking,
    /// True while the model thread runs; false once it has stopped, by a panic too.
    pub alive: watch::Receiver<bool>,
}

/// Sets the model thread's health to false when the thread ends, however it ends (its drop runs
/// while a panic unwinds).
struct Alive(watch::Sender<bool>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.send_replace(false);
        if std::thread::panicking() {
            tracing::error!("the model thread panicked: no more batches can run");
        }
    }
}

/// Starts the model thread and waits until it has warmed the model up and chosen its chunk size
/// (on that thread: libtorch keeps thread pools and caches per thread). It then runs until every
/// sender is dropped, each batch in forward passes of at most the chunk size.
pub fn spawn_worker(model: impl Forward, setup: WorkerSetup) -> Result<Worker, EngineError> {
    let (tx, rx) = mpsc::channel::<Batch>();
    let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<Chunking, String>>(1);
    let (alive_tx, alive) = watch::channel(true);
    std::thread::Builder::new()
        .name("model".into())
        .spawn(move || {
            let _alive = Alive(alive_tx);
            crate::model::set_threads(setup.threads);
            let chunking = match warm_up(&model, &setup) {
                Ok(chunking) => chunking,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let chunk = chunking.chunk_size;
            let _ = ready_tx.send(Ok(chunking));
            for batch in rx {
                let _enter = batch.span.enter();
                let result = run(&model, &batch, chunk);
                let _ = batch.reply.send(result);
            }
        })
        .map_err(|e| EngineError::WarmUp(format!("cannot start the model thread: {e}")))?;
    let chunking = ready_rx
        .recv()
        .map_err(|_| EngineError::WarmUp("the model thread stopped during warm-up".into()))?
        .map_err(EngineError::WarmUp)?;
    Ok(Worker { batches: tx, chunking, alive })
}

/// One pass on a single window (lazy initialisation is paid before the first request), then the
/// chunk size: tuned, or the fixed one.
fn warm_up(model: &impl Forward, s: &WorkerSetup) -> Result<Chunking, String> {
    model.forward(&vec![0.0; s.shape.values()], 1, s.shape)?;
    match s.chunk {
        ChunkSize::Fixed(n) => Ok(Chunking::fixed(n.min(s.max_batch.max(1)))),
        ChunkSize::Auto => tuning::tune(model, s.shape, &tuning::candidates(s.max_batch), s.budget),
    }
}

/// Windows per forward pass for a batch of `n`: as few passes as `chunk` allows, of equal size
/// (72 windows at chunk 64 run as 36 + 36, not 64 + 8: a small remainder runs far below the
/// model's best rate).
fn pass_size(n: usize, chunk: usize) -> usize {
    let chunk = chunk.max(1);
    n.div_ceil(n.div_ceil(chunk).max(1)).max(1)
}

fn run(model: &impl Forward, b: &Batch, chunk: usize) -> Result<BatchOutput, String> {
    let window = b.shape.values().max(1);
    let mut out = BatchOutput { sigmoids: Vec::with_capacity(b.n * b.shape.labels), chunks: Vec::new() };
    for part in b.input.chunks(pass_size(b.n, chunk) * window) {
        let started = Instant::now();
        let n = part.len() / window;
        out.sigmoids.extend(model.forward(part, n, b.shape)?);
        let seconds = started.elapsed().as_secs_f64();
        tracing::debug!(windows = n, ms = seconds * 1e3, "forward pass");
        out.chunks.push(ChunkRun { windows: n, seconds });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::pass_size;

    #[test]
    fn passes_are_as_few_as_the_chunk_allows_and_even() {
        assert_eq!(pass_size(72, 64), 36);
        assert_eq!(pass_size(64, 64), 64);
        assert_eq!(pass_size(65, 16), 13, "5 passes of 13");
        assert_eq!(pass_size(10, 16), 10);
        assert_eq!(pass_size(0, 16), 1);
        assert_eq!(pass_size(7, 0), 1, "a chunk of 0 counts as 1");
    }
}
