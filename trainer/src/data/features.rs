//! Log-mel features of many files, computed in parallel and cached on disk, so a second run
//! (or a second experiment on the same data) decodes nothing.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;
use ndarray_npy::{read_npy, write_npy};
use shared::audio::{decode_file, DecodeOptions};
use shared::frontend::{peak_normalize, FrontEndParams, LogMel};
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

fn compute(path: &Path, lm: &LogMel) -> anyhow::Result<Array2<f32>> {
    let mut d = decode_file(path, lm.params().sample_rate, &DecodeOptions::default())
        .with_context(|| format!("decoding {}", path.display()))?;
    peak_normalize(&mut d.samples);
    Ok(lm.compute(&d.samples))
}

impl FeatureSet {
    /// Computes (or loads from `cache_dir`) the log-mel of every file, on all cores.
    pub fn load(paths: &[PathBuf], params: &FrontEndParams, cache_dir: &Path, what: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(cache_dir).with_context(|| format!("creating {}", cache_dir.display()))?;
        let lm = LogMel::new(params)?;
        let bar = ProgressBar::new(paths.len() as u64).with_message(what.to_string());
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} files, {per_sec}, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<anyhow::Result<Array2<f32>>>>> =
            Mutex::new((0..paths.len()).map(|_| None).collect());
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let result = (|| {
                        let cached = cache_file(cache_dir, path, params)?;
                        if let Ok(spec) = read_npy::<_, Array2<f32>>(&cached) {
                            return Ok(spec);
                        }
                        let spec = compute(path, &lm)?;
                        write_npy(&cached, &spec).with_context(|| format!("writing {}", cached.display()))?;
                        Ok(spec)
                    })();
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(result);
                    }
                    bar.inc(1);
                });
            }
        });
        bar.finish();
        let results = results.into_inner().map_err(|_| anyhow::anyhow!("a feature worker panicked"))?;
        let items = paths
            .iter()
            .zip(results)
            .map(|(path, r)| {
                let spec = r.unwrap_or_else(|| Err(anyhow::anyhow!("{} was not processed", path.display())))?;
                Ok(Item { path: path.clone(), spec })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { items })
    }
}
