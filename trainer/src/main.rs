//! `trainer`: the command line for everything on the training side.
use clap::Parser;

mod cli;
mod commands;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,symphonia=off".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // libtorch's activations come back from the heap instead of fresh page-faulted mappings
    // (shared::memory): training, evaluation and export all run faster, at a peak-sized RSS.
    shared::memory::retain_freed_memory();
    match cli::Cli::parse().command {
        cli::Command::Features(args) => commands::features::run(&args),
        cli::Command::Train(args) => commands::train::run(&args),
        cli::Command::Evaluate(args) => commands::evaluate::run(&args),
        cli::Command::Calibrate(args) => commands::calibrate::run(&args),
        cli::Command::Synth(args) => commands::synth::run(&args),
        cli::Command::Tsne(args) => commands::tsne::run(&args),
        cli::Command::Deconv(args) => commands::deconv::run(&args),
        cli::Command::Compare(args) => commands::compare::run(&args),
        cli::Command::Export(args) => commands::export::run(&args),
        cli::Command::Average(args) => commands::average::run(&args),
        cli::Command::Notes(args) => commands::notes::run(&args),
        cli::Command::Negatives(args) => commands::negatives::run(&args),
        cli::Command::Sung(args) => commands::sung::run(&args),
        cli::Command::Experiment(args) => commands::experiment::run(&args),
    }
}
