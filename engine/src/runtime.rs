//! Where and how the served model runs: what `/v1/model`, the startup log and the metrics say.
use serde::Serialize;
use utoipa::ToSchema;

use crate::infer::tuning::Chunking;

/// Where and how the model runs (`/v1/model`, the startup log, the metrics).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Runtime {
    /// `cpu` or `cuda:N`.
    #[schema(example = "cpu")]
    pub device: String,
    /// Whether overlapping windows run as one strip of shared frames (`strip.pt`,
    /// `--share-frames`).
    #[schema(example = true)]
    pub shares_frames: bool,
    /// Windows per forward pass, and how they were chosen.
    pub chunking: Chunking,
}
