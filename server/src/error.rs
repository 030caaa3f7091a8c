//! The one error type of the server.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("--device cuda was requested but libtorch sees no CUDA device")]
    NoCuda,
    #[error("model file {path} is missing: {source}")]
    ModelMissing { path: PathBuf, source: std::io::Error },
    #[error("model file {path} cannot be loaded by libtorch: {source}")]
    ModelLoad { path: PathBuf, source: tch::TchError },
    #[error("inference failed: {0}")]
    Inference(tch::TchError),
}
