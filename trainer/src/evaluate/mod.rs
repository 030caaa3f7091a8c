//! Evaluation as the paper does it (IV-B, IV-C): sliding windows over each recording, S1/S2
//! aggregation, P/R/F1 micro and macro, per-label, LRAP, and threshold sweeps.
pub mod bootstrap;
mod confusions;
mod predict;
mod report;

pub use confusions::Confusions;
pub use predict::{predict_all, predict_windows, ClipPrediction};
pub mod comparison;
pub use report::{evaluate_predictions, multi_hot, ClipResult, EvalReport, Negatives, SweepPoint};
