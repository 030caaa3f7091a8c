//! Export: the trained network traced to TorchScript, its weights, and the manifest.
use std::path::Path;

use anyhow::Context;
use shared::frontend::WindowParams;
use shared::manifest::{sha256_hex, Manifest, Precision};
pub use shared::model_dir::{ModelDir, MANIFEST_FILE, MODEL_FILE, STRIP_FILE, WEIGHTS_FILE};
use tch::nn::{self, ModuleT};
use tch::{CModule, Kind, Tensor};

use crate::model::ConvNet;

/// Traces `sigmoid(net(x))` for `x` of shape batch × 1 × frames × mels and saves it with the
/// weights, the strip module ([`trace_strip`]) and the manifest (whose `model_sha256` and
/// `strip_sha256` are filled in here) into `dir`.
///
/// The VarStore is frozen first: a traced graph must not record gradients. The trace reads no
/// shape (global pooling is `amax` over the last two axes), so the saved module accepts any
/// batch size and any number of frames ≥ one window.
pub fn export(vs: &mut nn::VarStore, net: &ConvNet, mut manifest: Manifest, dir: &Path) -> anyhow::Result<Manifest> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    vs.freeze();
    let module = trace(net, &manifest.window, manifest.front_end.n_mels as i64, vs.device(), manifest.precision)?;
    manifest.model_sha256 = save(&module, &dir.join(MODEL_FILE))?;
    vs.save(dir.join(WEIGHTS_FILE)).context("saving the weights")?;
    let strip = trace_strip(net, &manifest, vs.device())?;
    manifest.strip_sha256 = Some(save(&strip, &dir.join(STRIP_FILE))?);
    write_manifest(dir, &manifest)?;
    Ok(manifest)
}

/// Adds `strip.pt` to a model directory made before it existed, from its `weights.safetensors`,
/// and records its sha256 in the manifest; `model.pt` and everything measured stay as they are.
pub fn add_strip(dir: &Path, device: tch::Device) -> anyhow::Result<Manifest> {
    let (mut manifest, mut vs, net) = load_network(dir, device)?;
    ModelDir::new(dir).read_verified()?;
    anyhow::ensure!(manifest.precision != Precision::Int8, "{INT8_BY_SCRIPT}");
    if manifest.precision == Precision::Bf16 {
        vs.bfloat16();
    }
    let strip = trace_strip(&net, &manifest, device)?;
    manifest.strip_sha256 = Some(save(&strip, &dir.join(STRIP_FILE))?);
    write_manifest(dir, &manifest)?;
    Ok(manifest)
}

/// Saves a module and returns the hex sha256 of the file written.
fn save(module: &CModule, path: &Path) -> anyhow::Result<String> {
    module.save(path).with_context(|| format!("saving {}", path.display()))?;
    Ok(sha256_hex(&std::fs::read(path)?))
}

/// Why `trainer export` makes no int8 model: quantising needs calibration and PyTorch's quantiser,
/// which tch does not bind.
const INT8_BY_SCRIPT: &str = "int8 models are made by scripts/export-int8.sh (PyTorch's post-training \
    quantiser, calibrated on training audio); trainer export writes fp32 and bf16";

/// The traced TorchScript module of `net` (sigmoid outputs). Input and output are float32 at
/// every precision: a `bf16` module (whose VarStore must already hold bf16 weights) casts its
/// input to bf16 and its sigmoids back inside the graph, so callers feed it as any other.
pub fn trace(
    net: &ConvNet,
    window: &WindowParams,
    mels: i64,
    device: tch::Device,
    precision: Precision,
) -> anyhow::Result<CModule> {
    anyhow::ensure!(precision != Precision::Int8, "{INT8_BY_SCRIPT}");
    let example = Tensor::zeros([1, 1, window.frames as i64, mels], (Kind::Float, device));
    let mut forward =
        |inputs: &[Tensor]| vec![in_precision(precision, &inputs[0], |x| net.forward_t(x, false).sigmoid())];
    CModule::create_by_tracing("InstrumentConvNet", "forward", &[example], &mut forward).context("tracing the network")
}

/// The traced strip module of `net` ([`ConvNet::infer_strip`]'s sigmoids) for the window, mel
/// bands and precision of `manifest`: `forward(strip, starts)` takes a float32 strip of frames
/// (`rows × mels`) and the int64 first rows of its windows (`n`), and returns the windows' `n × labels` sigmoids, as
/// [`trace`]'s module does for the windows cut out. The window length is traced in.
pub fn trace_strip(net: &ConvNet, manifest: &Manifest, device: tch::Device) -> anyhow::Result<CModule> {
    let (precision, mels) = (manifest.precision, manifest.front_end.n_mels as i64);
    anyhow::ensure!(precision != Precision::Int8, "{INT8_BY_SCRIPT}");
    let (frames, hop) = (manifest.window.frames as i64, manifest.window.hop_frames as i64);
    let strip = Tensor::zeros([frames + 2 * hop, mels], (Kind::Float, device));
    let starts = Tensor::from_slice(&[0, hop, 2 * hop]).to_device(device);
    let mut forward = |inputs: &[Tensor]| {
        vec![in_precision(precision, &inputs[0], |x| net.infer_strip(x, &inputs[1], frames).sigmoid())]
    };
    CModule::create_by_tracing("InstrumentConvNetStrip", "forward", &[strip, starts], &mut forward)
        .context("tracing the strip module")
}

/// `f` on float32 `x`; for `bf16` on `x` cast to bf16, its result cast back to float32. The
/// casts name only the type: `to_kind` would record the tracing device in the graph, which would
/// then move a CUDA input to the CPU.
fn in_precision(precision: Precision, x: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> Tensor {
    match precision {
        Precision::Bf16 => f(&x.to_dtype(Kind::BFloat16, false, false)).to_dtype(Kind::Float, false, false),
        Precision::Fp32 | Precision::Int8 => f(x),
    }
}

/// Re-exports the model of `from` at `precision` into `to`: the weights of `weights.safetensors`
/// converted (bf16 rounds each weight to 8 bits of mantissa) and traced again. The manifest is
/// copied with the new precision and sha256 and without the old model's measured metrics, which
/// the new model has to earn again (`trainer evaluate --record`); the calibrated thresholds stay.
pub fn reexport(from: &Path, to: &Path, precision: Precision, device: tch::Device) -> anyhow::Result<Manifest> {
    anyhow::ensure!(
        precision != Precision::Int8,
        "int8 exports come from PyTorch's quantiser: scripts/export-int8.sh {}",
        from.display()
    );
    let (mut manifest, mut vs, net) = load_network(from, device)?;
    if precision == Precision::Bf16 {
        vs.bfloat16();
    }
    manifest.precision = precision;
    manifest.training.metrics.retain(|k, _| k.starts_with("calibrated_threshold_"));
    export(&mut vs, &net, manifest, to)
}

/// A "model soup": the mean of the weights of `dirs` (models of one network, best fine-tuned
/// from one starting model on different data), summed in f64, into a new fp32 model directory
/// `out`. Its manifest
/// is the last model's, renamed `model_id` when given, with `averaged_models` naming the inputs
/// and no measured metrics (the new model earns them with `trainer evaluate --record`).
pub fn soup(
    dirs: &[std::path::PathBuf],
    out: &Path,
    model_id: Option<&str>,
    device: tch::Device,
) -> anyhow::Result<Manifest> {
    let (first, rest) = dirs.split_first().context("no model to average")?;
    let (mut manifest, mut vs, net) = load_network(first, device)?;
    anyhow::ensure!(manifest.precision == Precision::Fp32, "{}: average fp32 models", first.display());
    let mut ids = vec![manifest.model_id.clone()];
    let mut sum: Vec<(String, Tensor)> =
        vs.variables().into_iter().map(|(name, t)| (name, t.to_kind(Kind::Double))).collect();
    for dir in rest {
        let (other, other_vs, _) = load_network(dir, device)?;
        anyhow::ensure!(
            other.activation == manifest.activation
                && other.labels == manifest.labels
                && other.precision == Precision::Fp32,
            "{} is not the same fp32 network as {}",
            dir.display(),
            first.display()
        );
        let vars = other_vs.variables();
        for (name, total) in &mut sum {
            let t = vars.get(name).with_context(|| format!("{} has no weight {name}", dir.display()))?;
            *total += t.to_kind(Kind::Double);
        }
        ids.push(other.model_id.clone());
        manifest = other;
    }
    let n = dirs.len() as f64;
    let vars = vs.variables();
    tch::no_grad(|| {
        for (name, total) in &sum {
            let v = vars.get(name).expect("the sum was built from these variables (a bug)");
            v.shallow_clone().copy_(&(total / n).to_kind(v.kind()));
        }
    });
    if let Some(id) = model_id {
        manifest.model_id = id.to_string();
    }
    manifest.training.metrics.retain(|k, _| k.starts_with("calibrated_threshold_"));
    manifest.training.averaged_models = Some(ids);
    export(&mut vs, &net, manifest, out)
}

/// Loads a model directory's verified manifest and `model.pt` onto `device` (the engine's
/// loader, which every binary uses).
pub fn load(dir: &Path, device: tch::Device) -> anyhow::Result<(Manifest, CModule)> {
    let loaded = engine::model::load(&ModelDir::new(dir), device, false)?;
    Ok((loaded.manifest, loaded.module))
}

/// Rewrites the manifest of a model directory (after adding metrics, thresholds…).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    Ok(ModelDir::new(dir).write_manifest(manifest)?)
}

/// The trainable network of a model directory, rebuilt from its manifest's activation and its
/// `weights.safetensors` (for analyses that need more than the TorchScript outputs).
pub fn load_network(dir: &Path, device: tch::Device) -> anyhow::Result<(Manifest, nn::VarStore, ConvNet)> {
    let manifest = ModelDir::new(dir).read_manifest()?;
    let activation: crate::model::Activation = manifest
        .activation
        .parse()
        .map_err(|e| anyhow::anyhow!("{}: activation: {e}", dir.join(MANIFEST_FILE).display()))?;
    let mut vs = nn::VarStore::new(device);
    let net = ConvNet::new(&vs.root(), activation, manifest.labels.len() as i64);
    let weights = dir.join(WEIGHTS_FILE);
    vs.load(&weights)
        .with_context(|| format!("loading {} (the trainer writes it beside model.pt)", weights.display()))?;
    vs.freeze();
    Ok((manifest, vs, net))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;
    use shared::frontend::FrontEndParams;
    use tch::Device;

    fn manifest() -> Manifest {
        Manifest::new("export-test", WindowParams::default(), &Activation::default().to_string())
    }

    /// A fresh network (from `seed`) exported into the temporary directory `name`.
    fn exported(seed: i64, name: &str) -> (ConvNet, std::path::PathBuf, Manifest) {
        tch::manual_seed(seed);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), Activation::default(), 11);
        let dir = test_support::fresh_scratch_dir(name);
        let written = export(&mut vs, &net, manifest(), &dir).unwrap();
        (net, dir, written)
    }

    #[test]
    fn the_average_of_two_models_is_the_mean_of_their_weights() {
        let root = test_support::fresh_scratch_dir("average-test");
        let mut dirs = Vec::new();
        for (i, value) in [(0, 0.25f64), (1, 0.75)] {
            let vs = nn::VarStore::new(Device::Cpu);
            let net = ConvNet::new(&vs.root(), Activation::default(), 11);
            tch::no_grad(|| {
                for (_, mut t) in vs.variables() {
                    let _ = t.fill_(value);
                }
            });
            let mut vs = vs;
            let mut m = manifest();
            m.model_id = format!("m{i}");
            let dir = root.join(format!("m{i}"));
            export(&mut vs, &net, m, &dir).unwrap();
            dirs.push(dir);
        }
        let out = root.join("mean");
        let m = soup(&dirs, &out, Some("soup"), Device::Cpu).unwrap();
        assert_eq!(m.model_id, "soup");
        assert_eq!(m.training.averaged_models, Some(vec!["m0".to_string(), "m1".to_string()]));
        let (_, vs, _) = load_network(&out, Device::Cpu).unwrap();
        for (name, t) in vs.variables() {
            let max = (t - 0.5).abs().max().double_value(&[]);
            assert!(max < 1e-6, "{name} is not the mean: {max}");
        }
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn reloaded_torchscript_equals_the_network_for_any_batch_and_length() {
        let (net, dir, written) = exported(7, "export-test");

        let bytes = std::fs::read(dir.join(MODEL_FILE)).unwrap();
        let on_disk: Manifest =
            serde_json::from_str(&std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap()).unwrap();
        assert_eq!(on_disk, written);
        on_disk.verify(&bytes, &FrontEndParams::default()).unwrap();
        assert!(dir.join(WEIGHTS_FILE).exists());

        let module = CModule::load(dir.join(MODEL_FILE)).unwrap();
        strip_module_matches(&module, &dir, &written);
        for batch in [1, 7, 32] {
            for frames in [43, 86] {
                let x = Tensor::randn([batch, 1, frames, 128], (Kind::Float, Device::Cpu));
                let expected = tch::no_grad(|| net.forward_t(&x, false).sigmoid());
                let got = tch::no_grad(|| module.forward_ts(&[&x]).unwrap());
                assert_eq!(got.size(), vec![batch, 11]);
                assert!(got.allclose(&expected, 1e-5, 1e-6, false), "batch {batch}, frames {frames}");
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn bf16_reexport_takes_float_input_and_stays_close_to_fp32() {
        tch::manual_seed(11);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), Activation::default(), 11);
        let base = test_support::fresh_scratch_dir("export-bf16");
        let fp32 = export(&mut vs, &net, manifest(), &base.join("fp32")).unwrap();
        let bf16 = reexport(&base.join("fp32"), &base.join("bf16"), Precision::Bf16, Device::Cpu).unwrap();
        assert_eq!(bf16.precision, Precision::Bf16);
        assert!(bf16.strip_sha256.is_some() && bf16.strip_sha256 != fp32.strip_sha256);
        assert_ne!(bf16.model_sha256, fp32.model_sha256);
        for file in [MODEL_FILE, STRIP_FILE] {
            code_naming_no_device(&base.join("bf16").join(file));
        }
        let (_, a) = load(&base.join("fp32"), Device::Cpu).unwrap();
        let (_, b) = load(&base.join("bf16"), Device::Cpu).unwrap();
        let x = Tensor::randn([4, 1, 43, 128], (Kind::Float, Device::Cpu));
        let (ya, yb) = tch::no_grad(|| (a.forward_ts(&[&x]).unwrap(), b.forward_ts(&[&x]).unwrap()));
        assert_eq!(yb.kind(), Kind::Float);
        let diff = (ya - yb).abs().max().double_value(&[]);
        assert!(diff > 0.0 && diff < 0.05, "bf16 sigmoids differ from fp32 by {diff}");
        std::fs::remove_dir_all(&base).ok();
    }

    /// The code of a traced module (kept in its archive as Python source), checked to name no
    /// device: a module must run wherever it is loaded, CUDA included, whatever it was traced on.
    fn code_naming_no_device(path: &Path) -> String {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut code = String::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            if file.name().ends_with(".py") {
                std::io::Read::read_to_string(&mut file, &mut code).unwrap();
            }
        }
        assert!(code.contains("forward") && !code.contains("torch.device("), "{}: {code}", path.display());
        code
    }

    /// `strip.pt` as written: named by the manifest, and the same sigmoids as `model.pt` on the
    /// windows cut from a strip of two clips (3 and 1 windows).
    fn strip_module_matches(module: &CModule, dir: &Path, manifest: &Manifest) {
        let path = ModelDir::new(dir).verified_strip(manifest).unwrap().unwrap();
        assert!(code_naming_no_device(&path).contains("index_select"));
        let strip_module = CModule::load(path).unwrap();
        let strip = Tensor::randn([2 * 22 + 43 + 43, 128], (Kind::Float, Device::Cpu));
        let starts = [0i64, 22, 44, 87];
        let windows: Vec<Tensor> = starts.iter().map(|&s| strip.narrow(0, s, 43)).collect();
        let expected = tch::no_grad(|| module.forward_ts(&[Tensor::stack(&windows, 0).unsqueeze(1)]).unwrap());
        let got = tch::no_grad(|| strip_module.forward_ts(&[strip, Tensor::from_slice(&starts)]).unwrap());
        assert_eq!(got.size(), vec![4, 11]);
        assert!(got.allclose(&expected, 1e-5, 1e-6, false));
    }

    #[test]
    fn a_strip_added_later_leaves_the_model_as_it_was() {
        let (_, dir, mut old) = exported(5, "export-add-strip");
        std::fs::remove_file(dir.join(STRIP_FILE)).unwrap();
        let strip_sha256 = old.strip_sha256.take();
        write_manifest(&dir, &old).unwrap();

        let added = add_strip(&dir, Device::Cpu).unwrap();
        assert_eq!(added.model_sha256, old.model_sha256);
        assert_eq!(added.strip_sha256, strip_sha256, "the same trace as at export");
        assert_eq!(Manifest { strip_sha256: None, ..added.clone() }, old);
        let (_, module) = load(&dir, Device::Cpu).unwrap();
        strip_module_matches(&module, &dir, &added);
        std::fs::remove_dir_all(&dir).ok();
    }
}
