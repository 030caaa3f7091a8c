//! One module per `trainer` subcommand.
pub mod calibrate;
pub mod deconv;
pub mod evaluate;
pub mod features;
pub mod synth;
pub mod train;
pub mod tsne;
