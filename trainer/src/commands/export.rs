//! `trainer export`: a trained model exported again at another precision.
use crate::cli::ExportArgs;

pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let manifest = trainer::export::reexport(&args.model, &args.out, args.precision.into(), args.device.resolve()?)?;
    println!(
        "{} ({:?}) written to {} (model.pt sha256 {})",
        manifest.model_id,
        manifest.precision,
        args.out.display(),
        manifest.model_sha256
    );
    Ok(())
}
