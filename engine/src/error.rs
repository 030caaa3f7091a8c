//! The engine's one error type: what stops a model from starting, and what a recognition can
//! meet. The server maps each variant to its `error_type` and HTTP status in one table
//! (`server/src/error.rs`).
use std::path::PathBuf;

/// Everything that can go wrong in the engine. Startup variants stop a binary before it serves;
/// the others answer one recognition.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(EngineErrorKind), derive(strum::EnumIter))]
pub enum EngineError {
    #[error("--device cuda was requested but libtorch sees no CUDA device")]
    NoCuda,
    #[error("--precision bf16 was requested but {} holds no bf16 export (make one with `trainer export --precision bf16 --out {}`)", path.display(), path.display())]
    NoBf16Model { path: PathBuf },
    #[error("--precision int8 was requested but {} holds no int8 export (make one with `scripts/export-int8.sh MODEL_DIR {}`)", path.display(), path.display())]
    NoInt8Model { path: PathBuf },
    #[error(
        "--precision int8 runs on the CPU only (libtorch's quantised kernels); use --device cpu or another precision"
    )]
    Int8OnGpu,
    /// `manifest.json`, `model.pt` or `strip.pt` missing, unreadable or not matching (the
    /// message names the file).
    #[error("{0}")]
    ModelDir(shared::ModelDirError),
    #[error("model file {} cannot be loaded by libtorch: {source}", path.display())]
    ModelLoad { path: PathBuf, source: tch::TchError },
    #[error("the warm-up forward pass failed: {0}")]
    WarmUp(String),
    /// The audio: undecodable, empty, too long… (the client's), or a fault of ours in reading it.
    #[error(transparent)]
    Audio(#[from] shared::Error),
    /// An option out of range or unparsable (aggregation, threshold, segment smoothing).
    #[error("{0}")]
    BadParameter(String),
    /// The batching queue is full.
    #[error("the inference queue is full; retry shortly")]
    QueueFull,
    /// The model thread or its queue has stopped (shutdown, or the thread died).
    #[error("the model is not running (the server is shutting down or its model thread stopped)")]
    ModelStopped,
    /// The model failed on a batch (libtorch's message, for the log only).
    #[error("inference failed: {0}")]
    Inference(String),
    /// Any other fault of ours (for the log only).
    #[error("{0}")]
    Internal(String),
}
