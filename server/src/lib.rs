//! The instrument-recognition HTTP service as a library: the `server` binary is a thin `main`
//! over [`serve::run`]; [`recognizer`] is the pipeline both the HTTP API and the offline CLI
//! run, and the fuzz targets reach the upload path through [`http::recognize::upload`].
// Nothing a client sends may panic the process: no unwrap, expect, panic or unchecked indexing
// outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod config;
pub mod device;
pub mod engine;
pub mod error;
pub mod http;
pub mod infer;
pub mod metrics;
pub mod model;
pub mod offline;
pub mod recognizer;
pub mod serve;
pub mod shutdown;
