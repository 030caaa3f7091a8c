//! The instrument-recognition HTTP service as a library (text-embeddings-inference's `router`):
//! the `server` binary is a thin `main` over [`serve::run`] and [`offline::run`]; the recognition
//! itself is the `engine` crate's. The fuzz targets reach the upload path through
//! [`http::recognize::upload`].
// Nothing a client sends may panic the process: no unwrap, expect, panic or unchecked indexing
// outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod config;
pub mod error;
pub mod http;
pub mod offline;
pub mod serve;
pub mod shutdown;
