//! A balanced, seeded sample of training windows: as many of each label.
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use shared::frontend::{WindowParams, Windows};
use shared::labels::N_LABELS;
use tch::Tensor;

use crate::data::TrainingData;

/// Windows (`n × 1 × frames × mels`) and the label of each.
pub struct Sample {
    pub x: Tensor,
    pub labels: Vec<usize>,
}

/// Up to `per_label` windows of each label, drawn with `seed` from the clips `idx` of `data` and
/// cut as in training (windows of `window.frames`, no overlap).
pub fn balanced_windows(
    data: &TrainingData,
    idx: &[usize],
    window: &WindowParams,
    pad: f32,
    per_label: usize,
    seed: u64,
) -> Sample {
    let no_overlap = WindowParams { frames: window.frames, hop_frames: window.frames };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut xs, mut labels, mut mels) = (Vec::new(), Vec::new(), 0);
    for label in 0..N_LABELS {
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        for &i in idx.iter().filter(|&&i| data.clips[i].label == Some(label)) {
            let frames = data.features.items[i].spec.dim().0;
            let n = shared::frontend::window_count(frames, &no_overlap);
            candidates.extend((0..n).map(|w| (i, w)));
        }
        candidates.shuffle(&mut rng);
        for &(i, w) in candidates.iter().take(per_label) {
            let spec = &data.features.items[i].spec;
            mels = spec.dim().1;
            xs.extend(Windows::cut(spec.view(), &no_overlap, pad).get(w).iter().copied());
            labels.push(label);
        }
    }
    let x = Tensor::from_slice(&xs).view([labels.len() as i64, 1, window.frames as i64, mels as i64]);
    Sample { x, labels }
}
