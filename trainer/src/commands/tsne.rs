//! `trainer tsne`: the paper's Fig. 6 for a model, on its own training and validation windows.
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use shared::frontend::FrontEndParams;
use trainer::data::TrainingData;
use trainer::export::load_network;
use trainer::introspect::{balanced_windows, embed, pooled_activations, tsne_figure, LAYERS};

use crate::cli::TsneArgs;

pub fn run(args: &TsneArgs) -> anyhow::Result<()> {
    let device = args.device.resolve()?;
    let (manifest, _vs, net) = load_network(&args.model, device)?;
    let fe = FrontEndParams::default();
    let data_dir = args.data.clone().unwrap_or_else(|| PathBuf::from(&manifest.training.data));
    let t = &manifest.training;
    let data = TrainingData::load(&data_dir, &fe, &args.cache.dir, t.validation_fraction, t.seed)?;
    std::fs::create_dir_all(&args.out)?;
    let splits = [("train", &data.train_idx), ("validation", &data.val_idx)];
    let bar = ProgressBar::new((splits.len() * LAYERS.len() * args.iterations) as u64);
    bar.set_style(ProgressStyle::with_template("t-SNE {bar:40} {pos}/{len} iterations, {eta} left {msg}")?);
    let mut record = serde_json::Map::new();
    for (name, idx) in splits {
        let sample = balanced_windows(&data, idx, &manifest.window, fe.silence(), args.per_label, args.seed);
        anyhow::ensure!(!sample.labels.is_empty(), "no {name} windows in {}", data_dir.display());
        let layers = pooled_activations(&net, &sample.x.to_device(device));
        let mut embeddings = Vec::new();
        for (layer, acts) in LAYERS.iter().zip(&layers) {
            bar.set_message(format!("{name}: {layer}"));
            let points: Vec<Vec<f32>> = (0..acts.size()[0])
                .map(|i| Vec::<f32>::try_from(&acts.get(i).to_device(tch::Device::Cpu)).unwrap_or_default())
                .collect();
            let progress = bar.clone();
            embeddings.push(embed(&points, args.perplexity, args.iterations, args.seed, move |_| progress.inc(1)));
        }
        let png = args.out.join(format!("tsne-{name}.png"));
        let title = format!(
            "{}: t-SNE of {name} windows ({} per label), per-unit max of each layer",
            manifest.model_id, args.per_label
        );
        tsne_figure(&title, &embeddings, &sample.labels, &png)?;
        record.insert(
            name.to_string(),
            serde_json::json!({ "labels": sample.labels, "layers": LAYERS, "embeddings": embeddings }),
        );
        bar.println(format!("{} ({} windows)", png.display(), sample.labels.len()));
    }
    bar.finish_and_clear();
    std::fs::write(args.out.join("tsne.json"), serde_json::to_string(&record)?)?;
    Ok(())
}
