//! The server with a fault planted, for the end-to-end tests: once the file that `FAULT_TRIGGER`
//! names exists, the model thread's next forward pass panics, as a libtorch fault would. The
//! served binary has no such hook; this one wraps the loaded model through the engine's seam
//! ([`engine::Engine::start_wrapped`]) and serves exactly as `server` does.
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use engine::model::Forward;
use engine::window::WindowShape;

struct FaultsWhenTriggered<M> {
    model: M,
    trigger: PathBuf,
}

impl<M: Forward> Forward for FaultsWhenTriggered<M> {
    fn forward(&self, windows: &[f32], n: usize, shape: WindowShape) -> Result<Vec<f32>, String> {
        assert!(!self.trigger.exists(), "planted fault: {} exists", self.trigger.display());
        self.model.forward(windows, n, shape)
    }

    fn shares_frames(&self) -> bool {
        self.model.shares_frames()
    }
}

fn main() -> anyhow::Result<()> {
    let config = server::config::Cli::parse().config;
    config.validate()?;
    let trigger =
        std::env::var_os("FAULT_TRIGGER").context("FAULT_TRIGGER: the file whose creation plants the fault")?;
    let trigger = PathBuf::from(trigger);
    let engine = engine::Engine::start_wrapped(&config.model, |model| FaultsWhenTriggered { model, trigger })?;
    server::serve::run_engine(config, engine)
}
