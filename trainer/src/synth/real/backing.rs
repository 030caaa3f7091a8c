//! Backing tracks played by the pack's real recordings: the composed piece's
//! chords or arpeggios (channel 8) by recorded piano, guitar, organ or violin notes, its bass line
//! (channel 7) by recorded cello or piano notes half of the time, the General MIDI bass the other
//! half, and its drums (channel 9) by the General MIDI kit (the pack has no drums). An instrument
//! that leads the song never backs it, and only training performers play backing (a held-out
//! performer stays unheard in training). Without it every backing track is a General MIDI render,
//! so "real timbre" and "lead" are one thing to the network.
use std::sync::Arc;

use rand::{Rng, RngExt};
use rustysynth::SoundFont;
use shared::labels::label_index;

use super::{pick, render_notes, ring, weighted, RealBank, Sample, Source, SourceKind};
use crate::synth::render::render;
use crate::synth::score::{notes_of, Piece};
use crate::synth::signal::{active_rms, amp, room};

/// Channels of a composed piece's accompaniment ([`crate::synth::music::compose`]).
const BASS: u8 = 7;
const CHORDS: u8 = 8;
const DRUMS: u8 = 9;

/// Labels whose recorded notes play chords, with their weights: the keyboards and guitars that
/// accompany most music, a string pad less often.
const CHORD_LABELS: [(&str, f64); 5] = [("pia", 3.0), ("gac", 2.0), ("gel", 2.0), ("org", 2.0), ("vio", 1.0)];
/// Labels whose recorded notes play the bass line (moved by octaves into their recorded range).
const BASS_LABELS: [&str; 2] = ["cel", "pia"];

/// A training (not held-out) source of recorded notes of `label`, unless `label` leads.
fn backing_source<'a>(bank: &'a RealBank, label: &str, leads: &[&str], rng: &mut impl Rng) -> Option<&'a Source> {
    if leads.contains(&label) {
        return None;
    }
    let sources: Vec<&Source> =
        bank.sources_of(label_index(label)?, Some(SourceKind::Notes)).into_iter().filter(|s| !s.held_out).collect();
    pick(&sources, rng)
}

/// The chord label: drawn by [`CHORD_LABELS`]' weights among those that do not lead.
fn chord_label(leads: &[&str], rng: &mut impl Rng) -> Option<&'static str> {
    let (free, weights): (Vec<&'static str>, Vec<f64>) =
        CHORD_LABELS.iter().copied().filter(|(l, _)| !leads.contains(l)).unzip();
    weighted(&free, &weights, rng).copied()
}

/// Plays `channel` of `piece` with `source`'s recorded notes, through a room half of the time (and
/// electric guitar through the amplifier 60 % of the time, as a lead).
fn play_part(
    source: &Source,
    label: &str,
    piece: &Piece,
    channel: u8,
    sample_rate: u32,
    rng: &mut impl Rng,
) -> Vec<f32> {
    let samples: Vec<&Sample> = source.samples.iter().collect();
    let mut audio = render_notes(&notes_of(piece, channel), &samples, piece.seconds, ring(label), sample_rate, rng);
    if label == "gel" && rng.random_bool(0.6) {
        amp(&mut audio, sample_rate, rng);
    }
    if rng.random_bool(0.5) {
        room(&mut audio, sample_rate, rng);
    }
    audio
}

/// Adds `part` into `mix` at `db` relative to the chords' active level `reference`.
fn add_at(mix: &mut [f32], part: &[f32], reference: f32, db: f32) {
    let level = active_rms(part);
    if level == 0.0 || reference == 0.0 {
        return;
    }
    let g = reference * 10f32.powf(db / 20.0) / level;
    mix.iter_mut().zip(part).for_each(|(m, p)| *m += g * p);
}

/// The accompaniment of `piece` (its leads' channels already removed) with real chords, a real
/// bass line half of the time, and the General MIDI drums and (otherwise) bass from `font`; the
/// bass 0–6 dB and the drums 2–8 dB under the chords. `leads` are the song's labels. `None` when
/// the bank has no training notes of any chord label that does not lead, or the piece has no
/// chords.
pub fn render_backing(
    bank: &RealBank,
    font: &Arc<SoundFont>,
    piece: &Piece,
    leads: &[&str],
    sample_rate: u32,
    rng: &mut impl Rng,
) -> anyhow::Result<Option<Vec<f32>>> {
    if !piece.events.iter().any(|e| e.channel == CHORDS && e.command == 0x90) {
        return Ok(None);
    }
    let Some(label) = chord_label(leads, rng) else { return Ok(None) };
    let Some(source) = backing_source(bank, label, leads, rng) else { return Ok(None) };
    let mut mix = play_part(source, label, piece, CHORDS, sample_rate, rng);
    let reference = active_rms(&mix);
    if reference == 0.0 {
        return Ok(None);
    }
    let bass_label = BASS_LABELS[rng.random_range(0..BASS_LABELS.len())];
    let real_bass = if rng.random_bool(0.5) { backing_source(bank, bass_label, leads, rng) } else { None };
    let bass = match real_bass {
        Some(source) => play_part(source, bass_label, piece, BASS, sample_rate, rng),
        None => render(font, &piece.channels(|c| c == BASS), sample_rate)?,
    };
    add_at(&mut mix, &bass, reference, -rng.random_range(0.0..6.0f32));
    if piece.drums {
        let drums = render(font, &piece.channels(|c| c == DRUMS), sample_rate)?;
        add_at(&mut mix, &drums, reference, -rng.random_range(2.0..8.0f32));
    }
    Ok(Some(mix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_label_never_plays_the_chords() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let l = chord_label(&["pia", "org"], &mut rng).expect("three labels are free");
            assert!(!["pia", "org"].contains(&l), "{l}");
        }
        assert_eq!(chord_label(&["pia", "gac", "gel", "org", "vio"], &mut rng), None);
    }

    #[test]
    fn backing_comes_from_training_performers_of_labels_that_do_not_lead() {
        let notes = |label: usize, id: &str, held_out: bool| Source {
            label,
            kind: SourceKind::Notes,
            id: id.into(),
            held_out,
            samples: vec![Sample { file: id.into(), midi: Some(60), dynamic: 3, audio: vec![0.1; 100] }],
            accompaniment: vec![None],
        };
        let pia = label_index("pia").expect("a label");
        let bank = RealBank { sources: vec![notes(pia, "trained", false), notes(pia, "held", true)] };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            assert_eq!(backing_source(&bank, "pia", &["sax"], &mut rng).map(|s| s.id.as_str()), Some("trained"));
        }
        assert!(backing_source(&bank, "pia", &["pia"], &mut rng).is_none(), "the lead backed itself");
        assert!(backing_source(&bank, "org", &["sax"], &mut rng).is_none(), "no organ notes in this bank");
    }

    #[test]
    fn a_piece_split_by_channels_keeps_every_event_once() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let piece = crate::synth::music::compose(&mut rng, &["sax"], 8.0, true);
        let chords = piece.channels(|c| c == CHORDS);
        assert!(chords.events.iter().any(|e| e.command == 0x90) && chords.events.iter().all(|e| e.channel == CHORDS));
        let rest = piece.channels(|c| c != CHORDS);
        assert_eq!(chords.events.len() + rest.events.len(), piece.events.len());
    }

    use rand::SeedableRng;
}
