//! Raw interleaved PCM arriving in pieces (a live stream) to the mono signal at the analysis
//! rate: the same downmix and resampler as decoding a file, so a WAV file of these samples
//! decodes to the same signal, to the bit, however the pieces are cut.
use super::decode::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use super::{downmix_planes, StreamResampler};
use crate::{Error, Result};

/// Most channels a stream may declare (as many as a WAV file may have for the decoder).
pub const MAX_CHANNELS: u16 = 32;

/// How the samples of a stream are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcmFormat {
    /// 32-bit IEEE float, little-endian; full scale ±1.
    F32Le,
    /// 16-bit signed integer, little-endian.
    S16Le,
}

impl PcmFormat {
    pub fn bytes_per_sample(self) -> usize {
        match self {
            PcmFormat::F32Le => 4,
            PcmFormat::S16Le => 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PcmFormat::F32Le => "pcm_f32le",
            PcmFormat::S16Le => "pcm_s16le",
        }
    }
}

impl std::str::FromStr for PcmFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "pcm_f32le" => Ok(PcmFormat::F32Le),
            "pcm_s16le" => Ok(PcmFormat::S16Le),
            other => Err(format!("unknown sample format {other:?}: use \"pcm_f32le\" or \"pcm_s16le\"")),
        }
    }
}

/// Turns pieces of interleaved PCM into the mono signal at `target_rate`.
pub struct PcmStream {
    format: PcmFormat,
    channels: usize,
    source_rate: u32,
    resampler: StreamResampler,
    /// Frames received so far (at the source rate).
    frames: u64,
    mono: Vec<f32>,
}

impl PcmStream {
    /// A stream of `channels` interleaved channels at `sample_rate`, checked as the decoder
    /// checks a file's track.
    pub fn new(format: PcmFormat, sample_rate: u32, channels: u16, target_rate: u32) -> Result<Self> {
        if sample_rate == 0 {
            return Err(Error::ZeroSampleRate);
        }
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(Error::UnsupportedSampleRate { rate: sample_rate, min: MIN_SAMPLE_RATE, max: MAX_SAMPLE_RATE });
        }
        if channels == 0 {
            return Err(Error::NoChannels);
        }
        if channels > MAX_CHANNELS {
            return Err(Error::Corrupt(format!("{channels} channels (at most {MAX_CHANNELS})")));
        }
        Ok(Self {
            format,
            channels: channels.into(),
            source_rate: sample_rate,
            resampler: StreamResampler::new(sample_rate, target_rate)?,
            frames: 0,
            mono: Vec::new(),
        })
    }

    /// Bytes of one frame (a sample of every channel).
    pub fn frame_bytes(&self) -> usize {
        self.format.bytes_per_sample() * self.channels
    }

    /// Frames received so far, at the source rate.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Seconds of audio received so far.
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / self.source_rate as f64
    }

    pub fn source_rate(&self) -> u32 {
        self.source_rate
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Adds a piece of whole frames; appends the mono samples at the target rate that are ready
    /// to `out`. A piece that is not whole frames, or a float sample that is NaN or infinite,
    /// is refused ([`Error::Corrupt`]) and nothing of it is taken.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<f32>) -> Result<()> {
        let frame = self.frame_bytes();
        if bytes.len() % frame != 0 {
            return Err(Error::Corrupt(format!(
                "a piece of {} bytes is not a whole number of {}-channel {} frames ({frame} bytes each)",
                bytes.len(),
                self.channels,
                self.format.name()
            )));
        }
        let frames = bytes.len() / frame;
        let width = self.format.bytes_per_sample();
        let mut mono = std::mem::take(&mut self.mono);
        mono.clear();
        match self.format {
            PcmFormat::S16Le => {
                let samples: Vec<i16> = bytes
                    .chunks_exact(width)
                    .map(|b| {
                        let mut word = [0u8; 2];
                        word.copy_from_slice(b);
                        i16::from_le_bytes(word)
                    })
                    .collect();
                let planes = deinterleave(&samples, self.channels, frames);
                downmix_planes(planes.iter().map(Vec::as_slice), frames, &mut mono);
            }
            PcmFormat::F32Le => {
                let mut samples = Vec::with_capacity(frames * self.channels);
                for (i, b) in bytes.chunks_exact(width).enumerate() {
                    let mut word = [0u8; 4];
                    word.copy_from_slice(b);
                    let v = f32::from_le_bytes(word);
                    if !v.is_finite() {
                        return Err(Error::Corrupt(format!(
                            "sample {} is {v}: samples must be finite",
                            self.frames * self.channels as u64 + i as u64
                        )));
                    }
                    samples.push(v);
                }
                let planes = deinterleave(&samples, self.channels, frames);
                downmix_planes(planes.iter().map(Vec::as_slice), frames, &mut mono);
            }
        }
        self.frames += frames as u64;
        self.resampler.push(&mono)?;
        self.resampler.take_output(out);
        self.mono = mono;
        Ok(())
    }

    /// Ends the stream: the resampler's last samples.
    pub fn finish(self, out: &mut Vec<f32>) -> Result<()> {
        out.extend(self.resampler.finish()?);
        Ok(())
    }
}

/// Channel planes of interleaved samples.
fn deinterleave<S: Copy>(samples: &[S], channels: usize, frames: usize) -> Vec<Vec<S>> {
    (0..channels).map(|c| samples.iter().skip(c).step_by(channels).take(frames).copied().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::{decode, DecodeOptions};

    fn wav(samples: &[f32], rate: u32, channels: u16, float: bool) -> Vec<u8> {
        let fmt = if float { test_support::Fmt::F32 } else { test_support::Fmt::I16 };
        test_support::wav(rate, channels, fmt, samples, None)
    }

    fn pcm(samples: &[f32], format: PcmFormat) -> Vec<u8> {
        samples
            .iter()
            .flat_map(|&s| match format {
                PcmFormat::F32Le => s.to_le_bytes().to_vec(),
                PcmFormat::S16Le => ((s * 32767.0) as i16).to_le_bytes().to_vec(),
            })
            .collect()
    }

    #[test]
    fn pieces_of_pcm_give_the_decoded_wav_signal_to_the_bit() {
        let (rate, channels) = (44_100u32, 2u16);
        let x: Vec<f32> = (0..rate as usize * 3 * channels as usize)
            .map(|i| ((i as f32 * 0.031).sin() * 0.5 + (i as f32 * 0.0011).cos() * 0.3) * 0.9)
            .collect();
        for format in [PcmFormat::S16Le, PcmFormat::F32Le] {
            let want = decode(
                Box::new(std::io::Cursor::new(wav(&x, rate, channels, format == PcmFormat::F32Le))),
                22_050,
                &DecodeOptions::default(),
            )
            .unwrap();
            let bytes = pcm(&x, format);
            let frame = format.bytes_per_sample() * channels as usize;
            for piece_frames in [1usize, 441, 4096, 1 << 20] {
                let mut s = PcmStream::new(format, rate, channels, 22_050).unwrap();
                let mut got = Vec::new();
                for piece in bytes.chunks(piece_frames * frame) {
                    s.push(piece, &mut got).unwrap();
                }
                assert_eq!(s.frames(), want.source_frames);
                s.finish(&mut got).unwrap();
                assert_eq!(got.len(), want.samples.len(), "{format:?} piece {piece_frames}");
                assert!(
                    got.iter().zip(&want.samples).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{format:?} {piece_frames}"
                );
            }
        }
    }

    #[test]
    fn partial_frames_non_finite_samples_and_bad_declarations_are_refused() {
        let mut s = PcmStream::new(PcmFormat::S16Le, 16_000, 2, 22_050).unwrap();
        let mut out = Vec::new();
        let e = s.push(&[0u8; 6], &mut out).unwrap_err();
        assert!(e.to_string().contains("6 bytes is not a whole number of 2-channel pcm_s16le frames"), "{e}");
        assert_eq!(s.frames(), 0);
        let mut f = PcmStream::new(PcmFormat::F32Le, 22_050, 1, 22_050).unwrap();
        let mut bytes = pcm(&[0.1, 0.2], PcmFormat::F32Le);
        bytes.extend_from_slice(&f32::NAN.to_le_bytes());
        assert!(f.push(&bytes, &mut out).unwrap_err().to_string().contains("sample 2 is NaN"));
        assert!(matches!(PcmStream::new(PcmFormat::S16Le, 0, 1, 22_050), Err(Error::ZeroSampleRate)));
        assert!(matches!(PcmStream::new(PcmFormat::S16Le, 500, 1, 22_050), Err(Error::UnsupportedSampleRate { .. })));
        assert!(matches!(PcmStream::new(PcmFormat::S16Le, 8_000, 0, 22_050), Err(Error::NoChannels)));
        assert!(PcmStream::new(PcmFormat::S16Le, 8_000, 33, 22_050).is_err());
        assert_eq!("pcm_s16le".parse::<PcmFormat>(), Ok(PcmFormat::S16Le));
        assert!("mp3".parse::<PcmFormat>().is_err());
    }
}
