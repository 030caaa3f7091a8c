//! `trainer export`: a trained model exported again at another precision, or given its strip
//! module.
use crate::cli::ExportArgs;

pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let device = args.device.resolve()?;
    let (manifest, dir) = match &args.out {
        Some(out) if !args.add_strip => (trainer::export::reexport(&args.model, out, args.precision, device)?, out),
        _ => (trainer::export::add_strip(&args.model, device)?, &args.model),
    };
    println!(
        "{} ({:?}) written to {} (model.pt sha256 {}, strip.pt sha256 {})",
        manifest.model_id,
        manifest.precision,
        dir.display(),
        manifest.model_sha256,
        manifest.strip_sha256.as_deref().unwrap_or("none")
    );
    Ok(())
}
