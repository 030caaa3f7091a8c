//! Training side of the instrument recognizer: the paper's ConvNet, data, training, evaluation
//! and export. The `trainer` binary is a thin command line over this library.
pub mod calibrate;
pub mod data;
pub mod evaluate;
pub mod export;
pub mod introspect;
pub mod model;
pub mod plots;
pub mod synth;
pub mod train;
