//! `trainer deconv`: the paper's Fig. 7 for a model and an excerpt of an audio file.
use anyhow::Context;
use ndarray::{s, Array2};
use shared::audio::DecodeOptions;
use shared::frontend::{logmel_of, FrontEndParams};
use tch::Tensor;
use trainer::export::load_network;
use trainer::introspect::{deconv_figure, project, top_units};

use crate::cli::DeconvArgs;

pub fn run(args: &DeconvArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.start >= 0.0 && args.seconds > 0.0, "--start must be ≥ 0 and --seconds > 0");
    let device = args.device.resolve()?;
    let (manifest, _vs, net) = load_network(&args.model, device)?;
    let fe = FrontEndParams::default();
    let file = std::fs::File::open(&args.input).with_context(|| format!("opening {}", args.input.display()))?;
    let opts = DecodeOptions {
        extension: args.input.extension().map(|e| e.to_string_lossy().into_owned()),
        ..Default::default()
    };
    let (_, full) =
        logmel_of(Box::new(file), &fe, &opts).with_context(|| format!("decoding {}", args.input.display()))?;
    let spec = excerpt(&full, args.start, args.seconds, &fe, manifest.window.frames);
    let (frames, mels) = spec.dim();
    let x = Tensor::from_slice(spec.as_slice().context("contiguous spectrogram")?)
        .view([1, 1, frames as i64, mels as i64])
        .to_device(device);
    let mut projections = Vec::new();
    for block in 1..=4 {
        for unit in top_units(&net, &x, block, args.units) {
            projections.push(project(&net, &x, block, unit));
        }
    }
    std::fs::create_dir_all(&args.out)?;
    let name = args.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let title =
        format!("{}: {name} from {:.1} s, {} strongest units per block", manifest.model_id, args.start, args.units);
    let png = args.out.join("deconv.png");
    deconv_figure(&title, &spec, &projections, &png)?;
    let record: Vec<_> = projections
        .iter()
        .map(|p| serde_json::json!({ "block": p.block, "unit": p.unit, "activation": p.activation, "frame": p.at.0, "band": p.at.1 }))
        .collect();
    std::fs::write(args.out.join("deconv.json"), serde_json::to_string_pretty(&record)? + "\n")?;
    println!("{}", png.display());
    Ok(())
}

/// Frames `start .. start + seconds` of `full`, padded with silence to at least one window.
fn excerpt(full: &Array2<f32>, start: f64, seconds: f64, fe: &FrontEndParams, min_frames: usize) -> Array2<f32> {
    let (n, mels) = full.dim();
    let from = ((start / fe.frame_seconds()).round() as usize).min(n);
    let want = ((seconds / fe.frame_seconds()).round() as usize).max(min_frames);
    let to = (from + want).min(n);
    let mut out = Array2::from_elem((want, mels), fe.silence());
    out.slice_mut(s![..to - from, ..]).assign(&full.slice(s![from..to, ..]));
    out
}
