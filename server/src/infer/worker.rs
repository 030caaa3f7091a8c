//! The thread that owns the TorchScript model and runs batches.
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::error::ServerError;
use crate::model::Model;

/// A batch for the model: `n` windows of `frames × mels`, flattened.
pub struct Batch {
    pub input: Vec<f32>,
    pub n: usize,
    pub frames: usize,
    pub mels: usize,
    pub reply: oneshot::Sender<Result<Vec<f32>, ServerError>>,
    pub span: tracing::Span,
}

/// Starts the model thread; it runs until every sender is dropped. Each batch is run in chunks
/// of at most `max_batch` windows and answered with `n × labels` sigmoids.
pub fn spawn_worker(model: Model, max_batch: usize) -> mpsc::Sender<Batch> {
    let (tx, rx) = mpsc::channel::<Batch>();
    std::thread::Builder::new()
        .name("model".into())
        .spawn(move || {
            for batch in rx {
                let _enter = batch.span.enter();
                let result = run(&model, &batch, max_batch.max(1));
                let _ = batch.reply.send(result);
            }
        })
        .expect("spawn the model thread");
    tx
}

fn run(model: &Model, b: &Batch, max_batch: usize) -> Result<Vec<f32>, ServerError> {
    let window = b.frames * b.mels;
    let mut out = Vec::with_capacity(b.n * 11);
    for chunk in b.input.chunks(max_batch * window) {
        let n = (chunk.len() / window) as i64;
        let x = tch::Tensor::from_slice(chunk).view([n, b.frames as i64, b.mels as i64]);
        let y = model.forward(&x)?.to_device(tch::Device::Cpu).contiguous().view([-1]);
        out.extend(Vec::<f32>::try_from(y).map_err(ServerError::Inference)?);
    }
    Ok(out)
}
