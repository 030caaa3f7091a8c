//! A training folder loaded for use: clips, their features and the grouped validation split.
use std::path::Path;

use shared::frontend::FrontEndParams;

use super::{grouped_split, list_training, FeatureSet, Material, TrainingClip};

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
    pub fn load(
        dir: &Path,
        fe: &FrontEndParams,
        cache_dir: &Path,
        val_fraction: f64,
        seed: u64,
    ) -> anyhow::Result<Self> {
        let clips = list_training(dir)?;
        let paths: Vec<_> = clips.iter().map(|c| c.path.clone()).collect();
        let features = FeatureSet::load(&paths, fe, cache_dir, "features")?;
        let (train_idx, val_idx) = split(&clips, val_fraction, seed);
        Ok(Self { clips, features, train_idx, val_idx })
    }

    /// The (training, validation) split of `clips` that [`TrainingData::load`] draws.
    pub fn split_of(clips: &[TrainingClip], val_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
        split(clips, val_fraction, seed)
    }

    /// The validation clips of one material.
    pub fn validation_of(&self, real: bool) -> Vec<usize> {
        self.val_idx.iter().copied().filter(|&i| self.clips[i].material.is_real() == real).collect()
    }

    /// Label indices of the given clips (one each, none for a negative excerpt).
    pub fn truth(&self, idx: &[usize]) -> Vec<Vec<usize>> {
        idx.iter().map(|&i| self.clips[i].label.into_iter().collect()).collect()
    }

    /// Number of distinct recordings.
    pub fn songs(&self) -> usize {
        let mut g: Vec<&str> = self.clips.iter().map(|c| c.song.as_str()).collect();
        g.sort_unstable();
        g.dedup();
        g.len()
    }
}

/// (training, validation) indices: rendered clips split by recording at `fraction` (all clips, as
/// before real material existed, when there is none), real clips by performer: held-out
/// performers are the validation side, the others are trained on. A performer is never on both.
fn split(clips: &[TrainingClip], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let rendered: Vec<usize> = (0..clips.len()).filter(|&i| clips[i].material == Material::Rendered).collect();
    let groups: Vec<String> = rendered.iter().map(|&i| clips[i].song.clone()).collect();
    let (train, val) = grouped_split(&groups, fraction, seed);
    let mut train: Vec<usize> = train.into_iter().map(|k| rendered[k]).collect();
    let mut val: Vec<usize> = val.into_iter().map(|k| rendered[k]).collect();
    for (i, c) in clips.iter().enumerate() {
        match c.material {
            Material::Real => train.push(i),
            Material::RealHeldOut => val.push(i),
            Material::Rendered => {}
        }
    }
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(song: &str, material: Material) -> TrainingClip {
        TrainingClip { path: song.into(), label: Some(0), song: song.into(), material }
    }

    #[test]
    fn without_real_material_the_split_is_the_grouped_one() {
        let clips: Vec<_> = (0..60).map(|i| clip(&format!("s{}", i / 3), Material::Rendered)).collect();
        let groups: Vec<String> = clips.iter().map(|c| c.song.clone()).collect();
        assert_eq!(split(&clips, 0.15, 1), grouped_split(&groups, 0.15, 1));
    }

    #[test]
    fn held_out_performers_validate_and_the_others_train() {
        let mut clips: Vec<_> = (0..60).map(|i| clip(&format!("s{}", i / 3), Material::Rendered)).collect();
        clips.extend((0..9).map(|_| clip("cel/[cel][real]philharmonia-cello", Material::Real)));
        clips.extend((0..3).map(|_| clip("cel/[cel][real-heldout]tonejs-cello", Material::RealHeldOut)));
        let (train, val) = split(&clips, 0.15, 1);
        assert_eq!(train.len() + val.len(), clips.len());
        assert!((60..69).all(|i| train.contains(&i)));
        assert!((69..72).all(|i| val.contains(&i)));
        assert!(val.iter().any(|&i| i < 60), "rendered clips in validation too");
    }
}
