//! Audio fixtures: the one WAV writer every test uses (by hand, so the hostile corpus can make
//! any header field lie), and the signals written with it.

/// WAV sample encodings.
#[derive(Debug, Clone, Copy)]
pub enum Fmt {
    U8,
    I16,
    I24,
    I32,
    F32,
}

impl Fmt {
    fn bits(self) -> u16 {
        match self {
            Fmt::U8 => 8,
            Fmt::I16 => 16,
            Fmt::I24 => 24,
            Fmt::I32 | Fmt::F32 => 32,
        }
    }
}

/// A WAV file, written by hand so any header field can lie: `declared_data` overrides the data
/// chunk's size, the rate and channel count are written as given.
pub fn wav(rate: u32, channels: u16, fmt: Fmt, samples: &[f32], declared_data: Option<u32>) -> Vec<u8> {
    let bytes_per = fmt.bits() / 8;
    let mut data = Vec::with_capacity(samples.len() * bytes_per as usize);
    for &s in samples {
        let c = s.clamp(-1.0, 1.0);
        match fmt {
            Fmt::U8 => data.push(((c * 127.0) + 128.0) as u8),
            Fmt::I16 => data.extend_from_slice(&((c * 32767.0) as i16).to_le_bytes()),
            Fmt::I24 => data.extend_from_slice(&((c * 8_388_607.0) as i32).to_le_bytes()[..3]),
            Fmt::I32 => data.extend_from_slice(&((c as f64 * 2_147_483_647.0) as i32).to_le_bytes()),
            Fmt::F32 => data.extend_from_slice(&s.to_le_bytes()),
        }
    }
    let format_tag: u16 = if matches!(fmt, Fmt::F32) { 3 } else { 1 };
    let block_align = channels.wrapping_mul(bytes_per);
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&format_tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate.wrapping_mul(block_align as u32)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&fmt.bits().to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&declared_data.unwrap_or(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

/// A mono 16-bit WAV file of `samples` at `sample_rate`.
pub fn wav_bytes(samples: &[f32], sample_rate: u32) -> Vec<u8> {
    wav(sample_rate, 1, Fmt::I16, samples, None)
}

/// `seconds` of a sine at `hz` with a second partial, at 22,050 Hz.
pub fn tone(hz: f32, seconds: f32) -> Vec<f32> {
    let rate = 22_050.0;
    (0..(seconds * rate) as usize)
        .map(|i| {
            let t = i as f32 / rate;
            0.4 * (2.0 * std::f32::consts::PI * hz * t).sin() + 0.2 * (2.0 * std::f32::consts::PI * 2.0 * hz * t).sin()
        })
        .collect()
}

/// `seconds` of a sine at `hz` (amplitude `amplitude`) at `rate`, the same on each of `channels`
/// (interleaved).
pub fn sine(rate: u32, channels: u16, hz: f64, amplitude: f64, seconds: f64) -> Vec<f32> {
    sine_frames(rate, channels, hz, amplitude, (rate as f64 * seconds) as usize)
}

/// [`sine`] of `n` frames.
pub fn sine_frames(rate: u32, channels: u16, hz: f64, amplitude: f64, n: usize) -> Vec<f32> {
    (0..n)
        .flat_map(|i| {
            let v = amplitude * (2.0 * std::f64::consts::PI * hz * i as f64 / rate as f64).sin();
            std::iter::repeat_n(v as f32, channels as usize)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_decodes_back_to_its_samples() {
        let x = sine(8_000, 2, 440.0, 0.5, 0.25);
        for fmt in [Fmt::U8, Fmt::I16, Fmt::I24, Fmt::I32, Fmt::F32] {
            let bytes = wav(8_000, 2, fmt, &x, None);
            let mut r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
            assert_eq!((r.spec().channels, r.spec().sample_rate), (2, 8_000));
            let got: Vec<f32> = match fmt {
                Fmt::F32 => r.samples::<f32>().map(Result::unwrap).collect(),
                _ => {
                    let full = (1i64 << (r.spec().bits_per_sample - 1)) as f32;
                    r.samples::<i32>().map(|s| s.unwrap() as f32 / full).collect()
                }
            };
            assert_eq!(got.len(), x.len());
            let worst = got.iter().zip(&x).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 0.02, "{fmt:?}: {worst}");
        }
    }
}
