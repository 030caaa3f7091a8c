//! The shape of what the model takes and gives, read once from the manifest and carried whole
//! instead of loose numbers.
use shared::manifest::Manifest;

/// One model input window and the model's output per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowShape {
    /// Frames per window (43 for 1 s).
    pub frames: usize,
    /// Mel bands per frame (128).
    pub mels: usize,
    /// Frames between the starts of a clip's consecutive windows (22 for a 0.5-s hop).
    pub hop: usize,
    /// Sigmoids per window: the manifest's label count.
    pub labels: usize,
}

impl WindowShape {
    pub fn of(manifest: &Manifest) -> Self {
        Self {
            frames: manifest.window.frames,
            mels: manifest.front_end.n_mels,
            hop: manifest.window.hop_frames,
            labels: manifest.labels.len(),
        }
    }

    /// Values in one window (`frames × mels`).
    pub fn values(&self) -> usize {
        self.frames * self.mels
    }
}
