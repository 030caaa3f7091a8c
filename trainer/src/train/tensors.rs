//! Stacking the windows of many clips into training tensors.
use ndarray::Array2;
use shared::frontend::{WindowParams, Windows};
use tch::Tensor;

/// Windows (`n × 1 × frames × mels`) with their multi-hot targets (`n × labels`) and the index
/// of the clip each came from.
pub struct Windowed {
    pub x: Tensor,
    pub y: Tensor,
    pub clip: Vec<usize>,
}

impl Windowed {
    pub fn len(&self) -> usize {
        self.clip.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clip.is_empty()
    }
}

/// Cuts each spectrogram into windows (`window.hop_frames` apart; training uses hop = length,
/// i.e. no overlap) and gives every window its clip's target.
pub fn window_tensors(specs: &[&Array2<f32>], targets: &[Vec<f32>], window: &WindowParams, pad: f32) -> Windowed {
    let mels = specs.first().map_or(0, |s| s.dim().1);
    let n_labels = targets.first().map_or(0, Vec::len);
    let (mut xs, mut ys, mut clip) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (spec, target)) in specs.iter().zip(targets).enumerate() {
        let w = Windows::cut(spec.view(), window, pad);
        xs.extend(w.data.iter().copied());
        for _ in 0..w.len() {
            ys.extend_from_slice(target);
            clip.push(i);
        }
    }
    let n = clip.len() as i64;
    Windowed {
        x: Tensor::from_slice(&xs).view([n, 1, window.frames as i64, mels as i64]),
        y: Tensor::from_slice(&ys).view([n, n_labels as i64]),
        clip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_second_clips_give_three_one_second_windows() {
        let spec = Array2::from_shape_fn((130, 4), |(t, m)| (t * 10 + m) as f32);
        let w = WindowParams { frames: 43, hop_frames: 43 };
        let data = window_tensors(&[&spec, &spec], &[vec![1.0, 0.0], vec![0.0, 1.0]], &w, -1.0);
        assert_eq!(data.x.size(), vec![6, 1, 43, 4]);
        assert_eq!(data.clip, vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(data.y.double_value(&[4, 1]), 1.0);
        // Window 1 of clip 0 starts at frame 43.
        assert_eq!(data.x.double_value(&[1, 0, 0, 2]), (43 * 10 + 2) as f64);
    }
}
