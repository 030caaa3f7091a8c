//! One module per `trainer` subcommand.
pub mod calibrate;
pub mod evaluate;
pub mod features;
pub mod synth;
pub mod train;
