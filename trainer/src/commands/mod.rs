//! One module per `trainer` subcommand.
pub mod average;
pub mod calibrate;
pub mod compare;
pub mod deconv;
pub mod evaluate;
pub mod experiment;
pub mod export;
pub mod features;
pub mod negatives;
pub mod notes;
pub mod sung;
pub mod synth;
pub mod train;
pub mod tsne;
