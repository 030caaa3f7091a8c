//! A sampler instrument from recorded notes: every note of a composed melody is played by the
//! nearest recorded pitch (preferring the nearest dynamic), pitch-shifted by resampling within a
//! few semitones, shaped to the note's length with a release fade.
use rand::{Rng, RngExt};

use super::bank::Sample;
use crate::synth::score::Note;

/// The largest pitch shift applied to a recording, in semitones; further notes move by octaves
/// towards the recording, then are played at most this far from it.
pub const MAX_SHIFT: i32 = 5;

/// The pitch a note is played at against a recording of `sample_midi`: moved by octaves towards
/// it, then clamped to [`MAX_SHIFT`] semitones of it.
pub fn playable_pitch(target: i32, sample_midi: i32) -> i32 {
    let mut t = target;
    while t - sample_midi > 6 {
        t -= 12;
    }
    while sample_midi - t > 6 {
        t += 12;
    }
    t.clamp(sample_midi - MAX_SHIFT, sample_midi + MAX_SHIFT)
}

/// Picks the recording for a note: the nearest pitch, then the nearest
/// dynamic, at random among near ties so repeated notes vary.
fn choose<'a>(samples: &[&'a Sample], midi: u8, dynamic: u8, rng: &mut impl Rng) -> Option<&'a Sample> {
    let cost = |s: &Sample| {
        let pitch = (i32::from(s.midi.unwrap_or(midi)) - i32::from(midi)).abs();
        pitch as f32 + 0.5 * (f32::from(s.dynamic) - f32::from(dynamic)).abs()
    };
    let best = samples.iter().map(|s| cost(s)).fold(f32::INFINITY, f32::min);
    let near: Vec<&&Sample> = samples.iter().filter(|s| cost(s) <= best + 0.5).collect();
    near.get(rng.random_range(0..near.len().max(1))).map(|s| **s)
}

/// Reads `x` at fractional position `pos` (cubic Hermite interpolation; zero outside).
fn interpolate(x: &[f32], pos: f64) -> f32 {
    let i = pos.floor() as isize;
    let f = (pos - pos.floor()) as f32;
    let at = |k: isize| if k < 0 { 0.0 } else { x.get(k as usize).copied().unwrap_or(0.0) };
    let (y0, y1, y2, y3) = (at(i - 1), at(i), at(i + 1), at(i + 2));
    let c1 = 0.5 * (y2 - y0);
    let c2 = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
    let c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
    ((c3 * f + c2) * f + c1) * f + y1
}

/// How one note plays its sample: `shift` semitones higher, held `seconds` plus a release fade
/// of `release` seconds, at `gain`.
struct Voicing {
    shift: i32,
    seconds: f64,
    release: f64,
    gain: f32,
}

/// Adds `sample`, played as `v` says, into `out` from sample `at`.
fn play(out: &mut [f32], at: usize, sample: &[f32], v: &Voicing, sample_rate: u32) {
    let Voicing { shift, seconds, release, gain } = *v;
    let rate = 2f64.powf(f64::from(shift) / 12.0);
    let available = ((sample.len() as f64 - 2.0) / rate).max(0.0) as usize;
    let held = (seconds * f64::from(sample_rate)) as usize;
    let fade = (release * f64::from(sample_rate)).max(1.0) as usize;
    let len = available.min(held + fade).min(out.len().saturating_sub(at));
    let fade_from = held.min(len);
    let attack = (0.002 * f64::from(sample_rate)) as usize;
    for (i, o) in out.iter_mut().skip(at).take(len).enumerate() {
        let mut env = gain;
        if i < attack {
            env *= i as f32 / attack as f32;
        }
        if i >= fade_from {
            let t = (i - fade_from) as f32 / (len - fade_from).max(1) as f32;
            env *= 0.5 * (1.0 + (std::f32::consts::PI * t).cos());
        }
        *o += env * interpolate(sample, i as f64 * rate);
    }
}

/// Renders `notes` with recordings from `samples` into `seconds` of audio. Struck instruments
/// (`ring`) keep sounding after the key is let go for up to `ring` seconds.
pub fn render_notes(
    notes: &[Note],
    samples: &[&Sample],
    seconds: f64,
    ring: f64,
    sample_rate: u32,
    rng: &mut impl Rng,
) -> Vec<f32> {
    let mut out = vec![0.0f32; (seconds * f64::from(sample_rate)).round() as usize];
    for n in notes {
        let dynamic = (u32::from(n.velocity) * 6 / 128) as u8;
        let Some(s) = choose(samples, n.midi, dynamic, rng) else { continue };
        let sample_midi = i32::from(s.midi.unwrap_or(n.midi));
        let shift = playable_pitch(i32::from(n.midi), sample_midi) - sample_midi;
        let gain = (f32::from(n.velocity) / 127.0).powi(2);
        let release = rng.random_range(0.08..0.25) + ring;
        let at = (n.start * f64::from(sample_rate)).round() as usize;
        play(&mut out, at, &s.audio, &Voicing { shift, seconds: n.length, release, gain }, sample_rate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::music::compose;
    use crate::synth::score::notes_of;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sine(midi: u8, seconds: f64) -> Sample {
        let f = 440.0 * 2f64.powf((f64::from(midi) - 69.0) / 12.0);
        let audio = test_support::sine(22_050, 1, f, 0.5, seconds);
        Sample { file: format!("{midi}"), midi: Some(midi), dynamic: 3, audio }
    }

    /// Frequency of a pure tone from its zero crossings.
    fn frequency(x: &[f32]) -> f64 {
        let crossings = x.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count();
        crossings as f64 * 22_050.0 / x.len() as f64
    }

    #[test]
    fn pitches_move_by_octaves_then_by_at_most_the_largest_shift() {
        assert_eq!(playable_pitch(60, 60), 60);
        assert_eq!(playable_pitch(63, 60), 63);
        assert_eq!(playable_pitch(72, 60), 60);
        assert_eq!(playable_pitch(50, 60), 62, "an octave up, then 2 semitones");
        assert_eq!(playable_pitch(66, 60), 60 + MAX_SHIFT);
        for t in 0..128 {
            assert!((playable_pitch(t, 64) - 64).abs() <= MAX_SHIFT);
        }
    }

    #[test]
    fn a_note_sounds_at_its_pitch_for_its_length() {
        let samples = [sine(60, 2.0)];
        let refs: Vec<&Sample> = samples.iter().collect();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let note = Note { start: 0.5, length: 0.5, midi: 62, velocity: 127 };
        let out = render_notes(&[note], &refs, 2.0, 0.0, 22_050, &mut rng);
        assert_eq!(out.len(), 44_100);
        assert!(out[..11_025].iter().all(|&v| v == 0.0), "silent before the note");
        let held = &out[11_025 + 500..22_050];
        let expected = 440.0 * 2f64.powf((62.0 - 69.0) / 12.0);
        assert!((frequency(held) - expected).abs() < 3.0, "{} Hz", frequency(held));
        // Released within 0.25 s after the note's end.
        assert!(out[22_050 + 5_600..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn the_nearest_pitch_is_chosen() {
        let samples = [sine(48, 1.0), sine(60, 1.0), sine(72, 1.0)];
        let refs: Vec<&Sample> = samples.iter().collect();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        assert_eq!(choose(&refs, 61, 3, &mut rng).and_then(|s| s.midi), Some(60));
        assert_eq!(choose(&refs, 70, 3, &mut rng).and_then(|s| s.midi), Some(72));
        assert!(choose(&[], 70, 3, &mut rng).is_none());
    }

    #[test]
    fn a_composed_melody_gives_every_note_once() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let piece = compose(&mut rng, &["cla"], 9.0, true);
        let notes = notes_of(&piece, 0);
        let ons = piece.events.iter().filter(|e| e.channel == 0 && e.command == 0x90).count();
        assert_eq!(notes.len(), ons);
        assert!(notes.iter().all(|n| n.start >= 0.0 && n.length > 0.0 && n.start < 9.0));
    }
}
