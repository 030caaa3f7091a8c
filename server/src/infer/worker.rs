//! The thread that owns the TorchScript model and runs batches.
use std::sync::mpsc;
use std::time::Instant;

use tokio::sync::oneshot;

use crate::model::Forward;

/// A batch for the model: `n` windows of `frames × mels`, flattened.
pub struct Batch {
    pub input: Vec<f32>,
    pub n: usize,
    pub frames: usize,
    pub mels: usize,
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

/// Starts the model thread; it runs until every sender is dropped. Each batch is run in chunks
/// of at most `max_batch` windows, with `threads` intra-op threads (0: libtorch's default), and
/// answered with `n × labels` sigmoids.
pub fn spawn_worker(model: impl Forward, max_batch: usize, threads: usize) -> std::io::Result<mpsc::Sender<Batch>> {
    let (tx, rx) = mpsc::channel::<Batch>();
    std::thread::Builder::new().name("model".into()).spawn(move || {
        crate::model::set_threads(threads);
        for batch in rx {
            let _enter = batch.span.enter();
            let result = run(&model, &batch, max_batch.max(1));
            let _ = batch.reply.send(result);
        }
    })?;
    Ok(tx)
}

fn run(model: &impl Forward, b: &Batch, max_batch: usize) -> Result<BatchOutput, String> {
    let window = b.frames * b.mels;
    let mut out = BatchOutput { sigmoids: Vec::with_capacity(b.n * 11), chunks: Vec::new() };
    for chunk in b.input.chunks(max_batch * window.max(1)) {
        let started = Instant::now();
        let n = chunk.len() / window.max(1);
        out.sigmoids.extend(model.forward(chunk, n, b.frames, b.mels)?);
        let seconds = started.elapsed().as_secs_f64();
        tracing::debug!(windows = n, ms = seconds * 1e3, "forward pass");
        out.chunks.push(ChunkRun { windows: n, seconds });
    }
    Ok(out)
}
