//! Rendering a piece with a SoundFont, and the degradations that make a corpus span decades of
//! recordings: level changes, band-limiting, noise and clipping.
use std::sync::Arc;

use rand::{Rng, RngExt};
use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};

use super::score::Piece;
use super::signal::{low_pass, peak};

/// Renders `piece` (plus a short release tail, cut off) to mono at `sample_rate`.
pub fn render(font: &Arc<SoundFont>, piece: &Piece, sample_rate: u32) -> anyhow::Result<Vec<f32>> {
    let settings = SynthesizerSettings::new(sample_rate as i32);
    let mut synth = Synthesizer::new(font, &settings).map_err(|e| anyhow::anyhow!("synthesizer: {e:?}"))?;
    let total = (piece.seconds * sample_rate as f64).round() as usize;
    let (mut left, mut right) = (vec![0.0f32; total], vec![0.0f32; total]);
    let mut pos = 0usize;
    for e in &piece.events {
        let at = ((e.time * sample_rate as f64).round() as usize).min(total);
        if at > pos {
            synth.render(&mut left[pos..at], &mut right[pos..at]);
            pos = at;
        }
        synth.process_midi_message(e.channel as i32, e.command as i32, e.data1 as i32, e.data2 as i32);
    }
    if pos < total {
        synth.render(&mut left[pos..], &mut right[pos..]);
    }
    Ok(left.iter().zip(&right).map(|(l, r)| 0.5 * (l + r)).collect())
}

/// Random degradations, each applied with some probability: a lower level, a band limit (two
/// one-pole low-passes at 2.5–8 kHz, like an old recording or a phone), hiss at −45 to −25 dB,
/// and soft clipping. Returns what was applied, for the corpus log.
pub fn degrade(x: &mut [f32], sample_rate: u32, rng: &mut impl Rng) -> Vec<&'static str> {
    let mut applied = Vec::new();
    if rng.random_bool(0.3) {
        let cutoff = rng.random_range(2_500.0..8_000.0f32);
        low_pass(x, cutoff, sample_rate);
        low_pass(x, cutoff, sample_rate);
        applied.push("band-limited");
    }
    let peak = peak(x).max(1e-9);
    if rng.random_bool(0.3) {
        let level = peak * 10f32.powf(rng.random_range(-45.0..-25.0) / 20.0);
        for v in x.iter_mut() {
            *v += level * (rng.random::<f32>() * 2.0 - 1.0);
        }
        applied.push("noise");
    }
    // Normalise to a random level; sometimes drive into soft clipping.
    let clip = rng.random_bool(0.15);
    let target = if clip { rng.random_range(1.5..4.0) } else { 10f32.powf(rng.random_range(-12.0..-1.0) / 20.0) };
    let gain = target / peak;
    for v in x.iter_mut() {
        *v *= gain;
        if clip {
            *v = v.tanh();
        }
    }
    if clip {
        applied.push("clipped");
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn degraded_audio_stays_in_range_and_every_degradation_happens() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let clean: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let mut x = clean.clone();
            let applied = degrade(&mut x, 22_050, &mut rng);
            assert!(x.iter().all(|v| v.is_finite() && v.abs() <= 1.0));
            // The level always changes (a random peak), whatever else does.
            assert!((peak(&x) - 0.3).abs() > 1e-4 || !applied.is_empty(), "nothing changed");
            if applied.is_empty() {
                let ratio = x[100] / clean[100];
                assert!(x.iter().zip(&clean).all(|(a, b)| (a - ratio * b).abs() < 1e-4), "a plain level change");
            }
            seen.extend(applied);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["band-limited", "clipped", "noise"]);
    }
}
