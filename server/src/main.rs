//! `server`: the instrument-recognition HTTP service (the library does the work).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
use clap::Parser;
use server::config::{Cli, Command, LogFormat};
use server::{http, serve};

fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = Cli::parse();
    if let Some(Command::Recognize(args)) = &cli.command {
        init_logging(LogFormat::Text);
        let finished = server::offline::run(args)?;
        return Ok(std::process::ExitCode::from(finished.exit_code()));
    }
    if let Some(Command::Openapi { out }) = cli.command {
        let doc = http::openapi::document();
        if out.as_os_str() == "-" {
            print!("{doc}");
        } else {
            std::fs::write(&out, doc).map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
            let schema = out.with_file_name("stream-messages.json");
            std::fs::write(&schema, http::openapi::stream_schema())
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", schema.display()))?;
            eprintln!("OpenAPI document written to {}, the stream's messages to {}", out.display(), schema.display());
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let config = cli.config;
    config.validate()?;
    init_logging(config.log_format);
    serve::run(config)?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Logs to stderr; `RUST_LOG` filters (default `info`, symphonia's own logs off).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,symphonia=off".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).init(),
    }
}
