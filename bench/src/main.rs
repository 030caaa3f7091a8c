//! `perf`: the performance benchmarks of docs/perf.md, ours and the Python reference side by side
//! in one run. `bash bench/run.sh` builds everything and runs `perf run`.
use clap::Parser;

mod cli;
mod clips;
mod device;
mod floor;
mod load;
mod machine;
mod offline;
mod procs;
mod reference;
mod report;
mod run;
mod soak;
mod stream;

fn main() -> anyhow::Result<()> {
    // As the trainer and the server do (shared::memory): the floor and offline measurements run
    // libtorch in this process.
    shared::memory::retain_freed_memory();
    match cli::Cli::parse().command {
        cli::Command::Run(args) => run::run(&args),
        cli::Command::Device(args) => device::run(&args),
        cli::Command::Soak(args) => soak::run(&args),
        cli::Command::Stream(args) => stream::run(&args),
        cli::Command::Load(args) => {
            let result = load::drive(&load::Plan::from_args(&args)?, args.pid)?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            Ok(())
        }
    }
}
