//! Log-mel features of many files, computed in parallel and cached on disk, so a second run
//! (or a second experiment on the same data) decodes nothing.
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;
use ndarray_npy::{read_npy, write_npy};
use rayon::prelude::*;
use shared::audio::DecodeOptions;
use shared::frontend::{logmel_of_file, FrontEndParams};
use shared::manifest::sha256_hex;

/// The features of one file.
#[derive(Debug, Clone)]
pub struct Item {
    pub path: PathBuf,
    /// Log-mel spectrogram, frames × mels.
    pub spec: Array2<f32>,
}

/// Features of a list of files, in the order given.
#[derive(Debug, Clone)]
pub struct FeatureSet {
    pub items: Vec<Item>,
}

/// The cache file of `path`: keyed by its absolute path, size, modification time and the
/// front-end parameters, so any change recomputes it.
fn cache_file(cache_dir: &Path, path: &Path, params: &FrontEndParams) -> anyhow::Result<PathBuf> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let key = format!(
        "{}|{}|{:?}|{}",
        std::fs::canonicalize(path)?.display(),
        meta.len(),
        modified,
        serde_json::to_string(params)?
    );
    Ok(cache_dir.join(format!("{}.npy", &sha256_hex(key.as_bytes())[..32])))
}

fn compute(path: &Path, params: &FrontEndParams) -> anyhow::Result<Array2<f32>> {
    let (_, spec) = logmel_of_file(path, params, &DecodeOptions::default())
        .with_context(|| format!("decoding {}", path.display()))?;
    Ok(spec)
}

impl FeatureSet {
    /// Computes (or loads from `cache_dir`) the log-mel of every file, on all cores.
    pub fn load(paths: &[PathBuf], params: &FrontEndParams, cache_dir: &Path, what: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(cache_dir).with_context(|| format!("creating {}", cache_dir.display()))?;
        shared::frontend::LogMel::new(params)?; // invalid parameters fail once, before the files
        let bar = ProgressBar::new(paths.len() as u64).with_message(what.to_string());
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} files, {per_sec}, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let items = paths
            .par_iter()
            .map(|path| {
                let cached = cache_file(cache_dir, path, params)?;
                let spec = match read_npy::<_, Array2<f32>>(&cached) {
                    Ok(spec) => spec,
                    Err(_) => {
                        let spec = compute(path, params)?;
                        write_npy(&cached, &spec).with_context(|| format!("writing {}", cached.display()))?;
                        spec
                    }
                };
                bar.inc(1);
                Ok(Item { path: path.clone(), spec })
            })
            .collect::<anyhow::Result<_>>()?;
        bar.finish();
        Ok(Self { items })
    }
}
