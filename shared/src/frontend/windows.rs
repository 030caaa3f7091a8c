//! Cutting a spectrogram into fixed-length model inputs (paper III-D: 1-s windows, 0.5-s hop).

use ndarray::{s, Array2, Array3, ArrayView2};

use super::WindowParams;

/// Number of windows for a spectrogram of `frames` frames: one when the clip is shorter than a
/// window (it is padded), else every full window at the hop.
pub fn window_count(frames: usize, w: &WindowParams) -> usize {
    if frames <= w.frames {
        1
    } else {
        1 + (frames - w.frames) / w.hop_frames
    }
}

/// Start time in seconds of each window.
pub fn window_starts_seconds(frames: usize, w: &WindowParams, frame_seconds: f64) -> Vec<f64> {
    (0..window_count(frames, w)).map(|i| (i * w.hop_frames) as f64 * frame_seconds).collect()
}

/// Windows of a spectrogram, as one tensor-shaped array (windows × frames × mels).
#[derive(Debug, Clone)]
pub struct Windows {
    pub data: Array3<f32>,
}

impl Windows {
    /// Cuts `spec` (frames × mels) into windows; a clip shorter than one window is padded at the
    /// end with `pad_value` (the log-mel of silence).
    pub fn cut(spec: ArrayView2<'_, f32>, w: &WindowParams, pad_value: f32) -> Self {
        let (frames, mels) = spec.dim();
        let n = window_count(frames, w);
        let mut data = Array3::from_elem((n, w.frames, mels), pad_value);
        for i in 0..n {
            let start = i * w.hop_frames;
            let end = (start + w.frames).min(frames);
            data.slice_mut(s![i, ..end - start, ..]).assign(&spec.slice(s![start..end, ..]));
        }
        Self { data }
    }

    pub fn len(&self) -> usize {
        self.data.dim().0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One window (frames × mels).
    pub fn get(&self, i: usize) -> Array2<f32> {
        self.data.slice(s![i, .., ..]).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(frames: usize, mels: usize) -> Array2<f32> {
        Array2::from_shape_fn((frames, mels), |(t, m)| (t * 1000 + m) as f32)
    }

    #[test]
    fn counts_follow_the_hop() {
        let w = WindowParams::default();
        assert_eq!(window_count(0, &w), 1);
        assert_eq!(window_count(10, &w), 1);
        assert_eq!(window_count(43, &w), 1);
        assert_eq!(window_count(64, &w), 1);
        assert_eq!(window_count(65, &w), 2);
        // 10 s at 22,050 Hz, hop 512, centred: 1 + 220500 / 512 = 431 frames → 18 windows.
        assert_eq!(window_count(431, &w), 18);
    }

    #[test]
    fn windows_are_slices_at_the_hop() {
        let w = WindowParams::default();
        let spec = ramp(100, 4);
        let win = Windows::cut(spec.view(), &w, -1.0);
        assert_eq!(win.data.dim(), (3, 43, 4));
        assert_eq!(win.get(1)[[0, 2]], spec[[22, 2]]);
        assert_eq!(win.get(2)[[42, 3]], spec[[44 + 42, 3]]);
    }

    #[test]
    fn short_clips_are_padded_with_silence() {
        let w = WindowParams::default();
        let spec = ramp(5, 2);
        let win = Windows::cut(spec.view(), &w, -13.8);
        assert_eq!(win.data.dim(), (1, 43, 2));
        assert_eq!(win.get(0)[[4, 1]], spec[[4, 1]]);
        assert_eq!(win.get(0)[[5, 0]], -13.8);
        assert_eq!(win.get(0)[[42, 1]], -13.8);
    }

    #[test]
    fn start_times() {
        let w = WindowParams::default();
        let starts = window_starts_seconds(100, &w, 512.0 / 22_050.0);
        assert_eq!(starts.len(), 3);
        assert!((starts[1] - 22.0 * 512.0 / 22_050.0).abs() < 1e-12);
    }
}
