//! A training folder loaded for use: clips, their features and the grouped validation split.
use std::path::Path;

use shared::frontend::FrontEndParams;

use super::{grouped_split, list_training, FeatureSet, TrainingClip};

pub struct TrainingData {
    pub clips: Vec<TrainingClip>,
    pub features: FeatureSet,
    pub train_idx: Vec<usize>,
    pub val_idx: Vec<usize>,
}

impl TrainingData {
    /// Lists `dir`, computes (or reads from `cache_dir`) the features and draws the split. The
    /// same `(val_fraction, seed)` always gives the same split, so `calibrate` finds the
    /// validation clips `train` held out.
    pub fn load(dir: &Path, fe: &FrontEndParams, cache_dir: &Path, val_fraction: f64, seed: u64) -> anyhow::Result<Self> {
        let clips = list_training(dir)?;
        let paths: Vec<_> = clips.iter().map(|c| c.path.clone()).collect();
        let features = FeatureSet::load(&paths, fe, cache_dir, "features")?;
        let groups: Vec<String> = clips.iter().map(|c| c.song.clone()).collect();
        let (train_idx, val_idx) = grouped_split(&groups, val_fraction, seed);
        Ok(Self { clips, features, train_idx, val_idx })
    }

    /// Label indices of the given clips (one each).
    pub fn truth(&self, idx: &[usize]) -> Vec<Vec<usize>> {
        idx.iter().map(|&i| vec![self.clips[i].label]).collect()
    }

    /// Number of distinct recordings.
    pub fn songs(&self) -> usize {
        let mut g: Vec<&str> = self.clips.iter().map(|c| c.song.as_str()).collect();
        g.sort_unstable();
        g.dedup();
        g.len()
    }
}
