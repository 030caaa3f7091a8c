//! The ConvNet of the paper (Table I) in `tch::nn`.
mod activation;
mod convnet;

pub use activation::Activation;
pub use convnet::{ConvNet, BLOCK_CHANNELS, FC_UNITS};
