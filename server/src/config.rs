//! Every setting of the server: a flag with an environment variable and a documented default.
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when a GPU is visible, else the CPU.
    Auto,
    /// Always the CPU.
    Cpu,
    /// CUDA, and a startup error when no GPU is visible.
    Cuda,
}

#[derive(Debug, Clone, Parser)]
#[command(name = "server", version, about = "Recognise the predominant instruments in uploaded audio")]
pub struct Config {
    /// Model directory (`model.pt` + `manifest.json`). Default: the embedded default model.
    #[arg(long, env = "MODEL_DIR", default_value = "models/default")]
    pub model_dir: PathBuf,
    /// Where the model runs. Default `auto`: CUDA if present, else CPU. `cuda` turns a missing
    /// GPU into a startup error instead of a silent, slower CPU fallback.
    #[arg(long, env = "DEVICE", value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}
