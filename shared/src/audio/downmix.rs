//! Mean downmix of a decoded buffer's channel planes, with non-finite samples treated as silence.

use symphonia::core::audio::conv::IntoSample;
use symphonia::core::audio::sample::Sample;
use symphonia::core::audio::{Audio, AudioBuffer, GenericAudioBufferRef};

/// Largest magnitude a sample keeps. Full scale is ±1; a float file may go somewhat beyond, never
/// near this. Without a bound, samples near `f32::MAX` overflow to infinity inside the
/// resampler's FFT and make it fail (found by fuzzing `decode_frontend`: a 48-kHz float WAV).
pub const MAX_SAMPLE: f32 = 1.0e6;

/// Appends the mean over `planes` (one slice per channel, equal lengths) to `out`; returns the
/// number of channels.
///
/// NaN and infinite samples (possible in float WAV files) count as 0, so one bad sample cannot
/// poison the peak normalisation of the whole clip; finite ones beyond ±[`MAX_SAMPLE`] are
/// clamped there.
pub fn downmix_planes<'a, S, I>(planes: I, frames: usize, out: &mut Vec<f32>) -> usize
where
    S: IntoSample<f32> + Copy + 'a,
    I: IntoIterator<Item = &'a [S]>,
{
    let start = out.len();
    out.resize(start + frames, 0.0);
    let acc = crate::invariant::slice_mut(out, start.., "the frames just added");
    let mut channels = 0;
    for plane in planes {
        channels += 1;
        for (a, &s) in acc.iter_mut().zip(plane) {
            let v: f32 = s.into_sample();
            *a += if v.is_finite() { v.clamp(-MAX_SAMPLE, MAX_SAMPLE) } else { 0.0 };
        }
    }
    if channels > 1 {
        let scale = 1.0 / channels as f32;
        acc.iter_mut().for_each(|a| *a *= scale);
    }
    channels
}

fn downmix_typed<S: Sample + IntoSample<f32>>(buf: &AudioBuffer<S>, out: &mut Vec<f32>) -> usize {
    downmix_planes(buf.iter_planes(), buf.frames(), out)
}

/// Downmixes a decoded buffer of any sample format; returns its channel count.
pub fn downmix_buffer(buf: &GenericAudioBufferRef<'_>, out: &mut Vec<f32>) -> usize {
    match buf {
        GenericAudioBufferRef::U8(b) => downmix_typed(b, out),
        GenericAudioBufferRef::U16(b) => downmix_typed(b, out),
        GenericAudioBufferRef::U24(b) => downmix_typed(b, out),
        GenericAudioBufferRef::U32(b) => downmix_typed(b, out),
        GenericAudioBufferRef::S8(b) => downmix_typed(b, out),
        GenericAudioBufferRef::S16(b) => downmix_typed(b, out),
        GenericAudioBufferRef::S24(b) => downmix_typed(b, out),
        GenericAudioBufferRef::S32(b) => downmix_typed(b, out),
        GenericAudioBufferRef::F32(b) => downmix_typed(b, out),
        GenericAudioBufferRef::F64(b) => downmix_typed(b, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(planes: &[&[f32]]) -> Vec<f32> {
        let mut out = vec![];
        let frames = planes.first().map_or(0, |p| p.len());
        downmix_planes(planes.iter().copied(), frames, &mut out);
        out
    }

    #[test]
    fn mono_is_copied() {
        assert_eq!(mix(&[&[0.5, -0.25]]), vec![0.5, -0.25]);
    }

    #[test]
    fn stereo_is_the_mean() {
        assert_eq!(mix(&[&[1.0, 0.5, -1.0], &[0.0, -0.5, -1.0]]), vec![0.5, 0.0, -1.0]);
    }

    #[test]
    fn many_channels_are_averaged() {
        let planes: Vec<Vec<f32>> = (0..64).map(|c| vec![c as f32]).collect();
        let refs: Vec<&[f32]> = planes.iter().map(|p| p.as_slice()).collect();
        assert_eq!(mix(&refs), vec![31.5]);
    }

    #[test]
    fn huge_finite_samples_are_clamped() {
        assert_eq!(mix(&[&[f32::MAX, -3.0e30, 0.5]]), vec![MAX_SAMPLE, -MAX_SAMPLE, 0.5]);
        assert_eq!(mix(&[&[f32::MAX], &[f32::MAX]]), vec![MAX_SAMPLE]);
    }

    #[test]
    fn non_finite_samples_count_as_silence() {
        assert_eq!(mix(&[&[f32::NAN, f32::NEG_INFINITY], &[1.0, f32::INFINITY]]), vec![0.5, 0.0]);
    }

    #[test]
    fn integer_samples_are_scaled_to_unit_range() {
        let mut out = vec![];
        downmix_planes([&[i16::MAX, 0, i16::MIN][..]], 3, &mut out);
        assert!((out[0] - 1.0).abs() < 1e-4 && out[1] == 0.0 && out[2] == -1.0);
    }

    #[test]
    fn appends_after_existing_samples() {
        let mut out = vec![9.0];
        downmix_planes([&[1.0f32][..], &[3.0][..]], 1, &mut out);
        assert_eq!(out, vec![9.0, 2.0]);
    }
}
