//! The recognition core, with no HTTP in it (text-embeddings-inference's `core` and `backends`):
//! choosing and loading a model ([`config`], [`device`], [`model`]), the thread that owns it and
//! the queue that batches windows for it ([`infer`]), and the pipeline from audio to answer
//! ([`recognizer`]). [`start::Engine::start`] is where the server, the offline CLI and the
//! tests start a model.
// Nothing a client sends may panic the process: no unwrap, expect, panic or unchecked indexing
// outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod config;
pub mod device;
pub mod error;
pub mod infer;
pub mod metrics;
pub mod model;
pub mod recognizer;
pub mod runtime;
pub mod start;
pub mod window;

pub use config::{Auto, Device, ModelArgs, Precision};
pub use error::EngineError;
pub use runtime::Runtime;
pub use start::Engine;
pub use window::WindowShape;
