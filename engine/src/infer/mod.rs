//! Inference: one OS thread owns the model; one task owns the batching queue. Handlers talk to
//! them through channels whose messages carry a `oneshot` reply and the caller's span.
mod batcher;
pub mod tuning;
mod worker;

pub use batcher::{BatchPolicy, Batcher, Job, Scored};
pub use worker::{spawn_worker, Batch, Worker, WorkerSetup};
