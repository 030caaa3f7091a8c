//! `trainer features`: one file's log-mel spectrogram as .npy.
use anyhow::Context;
use ndarray::Array1;
use ndarray_npy::write_npy;
use shared::audio::DecodeOptions;
use shared::frontend::{logmel_of_file, FrontEndParams};

use crate::cli::FeaturesArgs;

pub fn run(args: &FeaturesArgs) -> anyhow::Result<()> {
    let params = FrontEndParams::default();
    let (decoded, spec) = logmel_of_file(&args.input, &params, &DecodeOptions::default())
        .with_context(|| format!("decoding {}", args.input.display()))?;
    write_npy(&args.out, &spec).with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(path) = &args.signal_out {
        write_npy(path, &Array1::from(decoded.samples.clone()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    tracing::info!(
        input = %args.input.display(),
        source_rate = decoded.source_sample_rate,
        channels = decoded.source_channels,
        seconds = format!("{:.3}", decoded.duration_seconds()),
        frames = spec.dim().0,
        mels = spec.dim().1,
        out = %args.out.display(),
        "log-mel written"
    );
    Ok(())
}
