//! Front-end parameters: recorded in every model manifest and checked by the server.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How audio becomes a log-mel spectrogram. The defaults are the paper's (III-A) with librosa's
/// conventions (Slaney mel scale and area normalisation, centred frames, zero padding).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontEndParams {
    /// Analysis sample rate in Hz.
    pub sample_rate: u32,
    /// FFT length in samples (also the Hann window length).
    pub n_fft: usize,
    /// STFT hop in samples.
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest mel filter edge in Hz.
    pub fmin: f64,
    /// Highest mel filter edge in Hz.
    pub fmax: f64,
    /// Exponent of the magnitude spectrum (1 = magnitude, 2 = power).
    pub power: f64,
    /// ε in ln(mel + ε): the log value of silence.
    pub log_epsilon: f64,
    /// Mel scale and filter normalisation ("slaney", as librosa's default).
    pub mel_scale: String,
    /// Whether frames are centred (the signal padded by n_fft/2 zeros on each side).
    pub center: bool,
}

impl Default for FrontEndParams {
    fn default() -> Self {
        Self {
            sample_rate: 22_050,
            n_fft: 1024,
            hop_length: 512,
            n_mels: 128,
            fmin: 0.0,
            fmax: 11_025.0,
            power: 1.0,
            log_epsilon: 1e-6,
            mel_scale: "slaney".into(),
            center: true,
        }
    }
}

impl FrontEndParams {
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidParameters(m));
        if self.sample_rate == 0 {
            return bad("sample_rate must be positive".into());
        }
        if self.n_fft < 2 || self.hop_length == 0 || self.n_mels == 0 {
            return bad("n_fft ≥ 2, hop_length ≥ 1 and n_mels ≥ 1 are required".into());
        }
        let nyquist = self.sample_rate as f64 / 2.0;
        if !(0.0 <= self.fmin && self.fmin < self.fmax && self.fmax <= nyquist) {
            return bad(format!("need 0 ≤ fmin < fmax ≤ {nyquist} Hz"));
        }
        if !(self.power > 0.0 && self.log_epsilon > 0.0) {
            return bad("power and log_epsilon must be positive".into());
        }
        if self.mel_scale != "slaney" || !self.center {
            return bad("only the Slaney mel scale with centred frames is implemented".into());
        }
        Ok(())
    }

    /// The log-mel value of silence, used to pad clips shorter than one window.
    pub fn silence(&self) -> f32 {
        self.log_epsilon.ln() as f32
    }

    /// Seconds between two consecutive frames.
    pub fn frame_seconds(&self) -> f64 {
        self.hop_length as f64 / self.sample_rate as f64
    }
}

/// How the spectrogram is cut into model inputs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowParams {
    /// Frames per window (43 ≈ 1 s at 22,050 Hz / hop 512).
    pub frames: usize,
    /// Frames between window starts (22 ≈ 0.5 s).
    pub hop_frames: usize,
}

impl Default for WindowParams {
    fn default() -> Self {
        Self { frames: 43, hop_frames: 22 }
    }
}

impl WindowParams {
    /// The paper's window lengths in seconds map to frames by rounding (0.5 s → 22, 1 s → 43,
    /// 1.5 s → 65, 3 s → 129); the hop is half a window, rounded up.
    pub fn from_seconds(seconds: f64, fe: &FrontEndParams) -> Result<Self> {
        if !(seconds > 0.0 && seconds.is_finite()) {
            return Err(Error::InvalidParameters(format!("window of {seconds} s")));
        }
        let frames = (seconds / fe.frame_seconds()).round().max(1.0) as usize;
        Ok(Self { frames, hop_frames: frames.div_ceil(2) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_papers() {
        let p = FrontEndParams::default();
        p.validate().unwrap();
        assert_eq!((p.sample_rate, p.n_fft, p.hop_length, p.n_mels), (22_050, 1024, 512, 128));
        assert_eq!(WindowParams::default(), WindowParams { frames: 43, hop_frames: 22 });
    }

    #[test]
    fn window_seconds_map_to_frames() {
        let fe = FrontEndParams::default();
        let frames = |s| WindowParams::from_seconds(s, &fe).unwrap().frames;
        assert_eq!([frames(0.5), frames(1.0), frames(1.5), frames(3.0)], [22, 43, 65, 129]);
        assert_eq!(WindowParams::from_seconds(1.0, &fe).unwrap().hop_frames, 22);
        assert!(WindowParams::from_seconds(0.0, &fe).is_err());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let p = FrontEndParams { fmax: 20_000.0, ..Default::default() };
        assert!(matches!(p.validate(), Err(Error::InvalidParameters(_))));
        let p = FrontEndParams { log_epsilon: 0.0, ..Default::default() };
        assert!(p.validate().is_err());
    }

    #[test]
    fn silence_is_ln_epsilon() {
        let p = FrontEndParams::default();
        assert!((p.silence() - (1e-6f64).ln() as f32).abs() < 1e-6);
    }
}
