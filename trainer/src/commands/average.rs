//! `trainer average`: the mean of the weights of models fine-tuned from one starting model.
use crate::cli::AverageArgs;

pub fn run(args: &AverageArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.models.len() >= 2, "--model twice at least: one model is its own average");
    let manifest = trainer::export::soup(&args.models, &args.out, args.model_id.as_deref(), tch::Device::Cpu)?;
    println!(
        "{} (the mean of {}) written to {} (model.pt sha256 {})",
        manifest.model_id,
        manifest.training.averaged_models.as_deref().unwrap_or_default().join(", "),
        args.out.display(),
        manifest.model_sha256
    );
    Ok(())
}
