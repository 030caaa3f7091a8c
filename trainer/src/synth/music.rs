//! Composing a short piece: lead melodies for the labelled instruments over chords, bass and
//! drums, as timed MIDI events. Musical content rather than random notes: a key, a chord
//! progression, stepwise phrases with rhythm, dynamics, articulation and vibrato.
use rand::{Rng, RngExt};

use super::programs::{pick_program, polyphonic, register, sustains};
use super::score::{Event, Note, Piece};

const MAJOR: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];
const MINOR: [u8; 7] = [0, 2, 3, 5, 7, 8, 10];
/// Chord roots as scale degrees: I-V-vi-IV, I-IV-V-IV, vi-IV-I-V, ii-V-I-vi.
const PROGRESSIONS: [[usize; 4]; 4] = [[0, 4, 5, 3], [0, 3, 4, 3], [5, 3, 0, 4], [1, 4, 0, 5]];
/// Programs that accompany without being a label: strings, pads, choir aahs are close to
/// labels, so the accompaniment draws from piano/organ/guitar (labelled, but quiet) and pads.
const ACCOMPANIMENT: [u8; 9] = [0, 4, 16, 19, 24, 25, 48, 89, 92];

struct Key {
    root: u8,
    scale: [u8; 7],
}

impl Key {
    /// MIDI note of scale step `step` (0 = the tonic of octave 0).
    fn note(&self, step: i32) -> i32 {
        let octave = step.div_euclid(7);
        self.root as i32 + 12 * octave + self.scale[step.rem_euclid(7) as usize] as i32
    }

    /// The scale step whose note is nearest to `midi` from below.
    fn step_below(&self, midi: i32) -> i32 {
        let mut s = (midi - self.root as i32) / 12 * 7;
        while self.note(s + 1) <= midi {
            s += 1;
        }
        while self.note(s) > midi {
            s -= 1;
        }
        s
    }
}

struct Writer {
    events: Vec<Event>,
}

impl Writer {
    fn push(&mut self, time: f64, channel: u8, command: u8, data1: u8, data2: u8) {
        self.events.push(Event { time, channel, command, data1, data2 });
    }
    fn program(&mut self, ch: u8, program: u8) {
        self.push(0.0, ch, 0xC0, program, 0);
    }
    fn control(&mut self, time: f64, ch: u8, cc: u8, value: u8) {
        self.push(time, ch, 0xB0, cc, value.min(127));
    }
    fn note(&mut self, start: f64, length: f64, ch: u8, key: i32, velocity: i32) {
        let key = key.clamp(0, 127) as u8;
        self.push(start, ch, 0x90, key, velocity.clamp(1, 127) as u8);
        self.push(start + length, ch, 0x80, key, 0);
    }
}

/// One lead line on `channel` for `label` over `seconds`, in `key`, at `beat` seconds per beat.
fn melody(w: &mut Writer, rng: &mut impl Rng, label: &str, channel: u8, key: &Key, beat: f64, seconds: f64) {
    let (lo, hi) = register(label);
    let (lo_step, hi_step) = (key.step_below(lo as i32) + 1, key.step_below(hi as i32));
    let mut step = (lo_step + hi_step) / 2 + rng.random_range(-3..=3);
    let long = sustains(label);
    let durations: &[f64] = if long { &[0.5, 1.0, 1.0, 1.5, 2.0, 3.0] } else { &[0.25, 0.5, 0.5, 1.0, 1.0, 1.5] };
    let gate = match rng.random_range(0..3) {
        0 => 0.97, // legato
        1 => 0.85,
        _ => {
            if long {
                0.7
            } else {
                0.5
            }
        } // detached / staccato
    };
    let base_velocity = rng.random_range(80..=112);
    let vibrato = long && rng.random_bool(0.7);
    let mut t = rng.random_range(0.0..0.5) * beat;
    let phrase_beats = rng.random_range(6.0..12.0);
    while t < seconds {
        let d = durations[rng.random_range(0..durations.len())] * beat;
        if rng.random_bool(0.08) {
            t += d; // a rest
            continue;
        }
        // Stepwise motion with occasional leaps, kept inside the register.
        step += match rng.random_range(0..10) {
            0 => rng.random_range(-4..=4),
            1..=2 => 0,
            _ => {
                if rng.random_bool(0.5) {
                    1
                } else {
                    -1
                }
            }
        };
        step = step.clamp(lo_step, hi_step);
        // Dynamics follow an arc over each phrase.
        let arc = ((t / beat) % phrase_beats / phrase_beats * std::f64::consts::PI).sin();
        let velocity = base_velocity - 12 + (arc * 24.0) as i32 + rng.random_range(-6..=6);
        if vibrato {
            w.control(t, channel, 1, rng.random_range(20..=90));
        }
        w.note(t, d * gate, channel, key.note(step), velocity);
        if polyphonic(label) && rng.random_bool(0.35) {
            for interval in [2, 4] {
                w.note(t, d * gate, channel, key.note(step - interval), velocity - 10);
            }
        }
        t += d;
    }
}

/// Chords (block or arpeggiated), a bass line and optionally a drum kit under the leads.
fn accompaniment(w: &mut Writer, rng: &mut impl Rng, key: &Key, beat: f64, seconds: f64, drums: bool) {
    let progression = PROGRESSIONS[rng.random_range(0..PROGRESSIONS.len())];
    w.program(8, ACCOMPANIMENT[rng.random_range(0..ACCOMPANIMENT.len())]);
    w.program(7, rng.random_range(32..=39));
    for (ch, volume) in
        [(8u8, rng.random_range(40..=70)), (7, rng.random_range(55..=85)), (9, rng.random_range(45..=80))]
    {
        w.control(0.0, ch, 7, volume);
    }
    let arpeggio = rng.random_bool(0.4);
    let bar = 4.0 * beat;
    let mut t = 0.0;
    let mut bar_index = 0;
    while t < seconds {
        let degree = progression[bar_index % 4] as i32;
        let chord: Vec<i32> = [0, 2, 4].iter().map(|s| key.note(degree + s + 28)).collect(); // around C4
        if arpeggio {
            for (i, n) in chord.iter().cycle().take(8).enumerate() {
                w.note(t + i as f64 * beat / 2.0, beat / 2.0, 8, *n, rng.random_range(45..=70));
            }
        } else {
            for n in &chord {
                w.note(t, bar * 0.95, 8, *n, rng.random_range(45..=70));
            }
        }
        let root = key.note(degree + 14); // two octaves below
        for b in 0..4 {
            if b % 2 == 0 || rng.random_bool(0.4) {
                w.note(t + b as f64 * beat, beat * 0.9, 7, root, rng.random_range(70..=100));
            }
        }
        if drums {
            for e in 0..8 {
                let te = t + e as f64 * beat / 2.0;
                w.note(te, 0.1, 9, 42, rng.random_range(50..=90)); // closed hi-hat
                if e % 4 == 0 {
                    w.note(te, 0.1, 9, 36, rng.random_range(90..=120)); // kick
                }
                if e % 4 == 2 {
                    w.note(te, 0.1, 9, 38, rng.random_range(80..=115)); // snare
                }
            }
        }
        t += bar;
        bar_index += 1;
    }
}

/// Composes `seconds` of music with `leads` as the predominant instruments (louder, in front)
/// and, if `accompanied`, chords, bass and maybe drums behind them.
pub fn compose(rng: &mut impl Rng, leads: &[&'static str], seconds: f64, accompanied: bool) -> Piece {
    let key = Key { root: rng.random_range(0..12), scale: if rng.random_bool(0.5) { MAJOR } else { MINOR } };
    let beat = 60.0 / rng.random_range(70.0..150.0);
    let mut w = Writer { events: Vec::new() };
    let reverb = rng.random_range(0..=90);
    for (i, &label) in leads.iter().enumerate() {
        let ch = i as u8;
        w.program(ch, pick_program(label, rng));
        w.control(0.0, ch, 7, rng.random_range(110..=127));
        w.control(0.0, ch, 10, if leads.len() == 1 { 64 } else { 40 + 48 * i as u8 / leads.len() as u8 });
        w.control(0.0, ch, 0x5B, reverb);
        melody(&mut w, rng, label, ch, &key, beat, seconds);
    }
    let drums = accompanied && rng.random_bool(0.6);
    if accompanied {
        for ch in [7u8, 8, 9] {
            w.control(0.0, ch, 0x5B, reverb);
            w.control(0.0, ch, 10, rng.random_range(20..=108));
        }
        accompaniment(&mut w, rng, &key, beat, seconds, drums);
    }
    w.events.sort_by(|a, b| a.time.total_cmp(&b.time));
    Piece { events: w.events, seconds, leads: leads.to_vec(), drums }
}

/// `notes` played by `label` alone on General MIDI program
/// `program`, with vibrato on a sustaining instrument 70 % of the time and the bank's reverb
/// send at 0–90: a sparse lead rendered by a sample bank.
pub fn solo(rng: &mut impl Rng, label: &'static str, program: u8, notes: &[Note], seconds: f64) -> Piece {
    let mut w = Writer { events: Vec::new() };
    w.program(0, program);
    w.control(0.0, 0, 7, rng.random_range(110..=127));
    w.control(0.0, 0, 0x5B, rng.random_range(0..=90));
    if sustains(label) && rng.random_bool(0.7) {
        w.control(0.0, 0, 1, rng.random_range(20..=90));
    }
    for n in notes {
        w.note(n.start, n.length, 0, i32::from(n.midi), i32::from(n.velocity));
    }
    w.events.sort_by(|a, b| a.time.total_cmp(&b.time));
    Piece { events: w.events, seconds, leads: vec![label], drums: false }
}

/// The notes of a sparse lead, `excerpts` × `excerpt_seconds` long: in each excerpt, one held
/// note (from its start to near its end, at most 0.3 s of silence either side) or two or three
/// notes around one pitch with gaps of 0.1–0.5 s; the pitch from `pitch`, a velocity of 40–120.
pub fn sparse_layout<R: Rng>(
    excerpts: usize,
    excerpt_seconds: f64,
    rng: &mut R,
    mut pitch: impl FnMut(&mut R) -> u8,
) -> Vec<Note> {
    let mut played = Vec::new();
    for k in 0..excerpts {
        let from = k as f64 * excerpt_seconds;
        let pitch = pitch(rng);
        let velocity = rng.random_range(40..=120u8);
        if rng.random_bool(0.5) {
            let start = from + rng.random_range(0.0..0.3);
            let length = excerpt_seconds - (start - from) - rng.random_range(0.0..0.3);
            played.push(Note { start, length, midi: pitch, velocity });
        } else {
            let count = rng.random_range(2..=3usize);
            let mut at = from + rng.random_range(0.0..0.2);
            for i in 0..count {
                let left = from + excerpt_seconds - at;
                let length = (left / (count - i) as f64 - 0.3).max(0.3);
                let midi = (i32::from(pitch) + rng.random_range(-5..=5)).clamp(21, 108) as u8;
                played.push(Note { start: at, length, midi, velocity });
                at += length + rng.random_range(0.1..0.5);
            }
        }
    }
    played
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn melodies_stay_in_register_and_in_key() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for label in shared::labels::LABELS {
            let piece = compose(&mut rng, &[label], 10.0, false);
            let (lo, hi) = register(label);
            let notes: Vec<u8> =
                piece.events.iter().filter(|e| e.command == 0x90 && e.channel == 0).map(|e| e.data1).collect();
            assert!(notes.len() >= 4, "{label}: {} notes", notes.len());
            // Chord tones of polyphonic leads may sit up to a fifth below the melody.
            assert!(notes.iter().all(|&n| n + 8 >= lo && n <= hi), "{label}: {notes:?}");
        }
    }

    #[test]
    fn accompaniment_uses_other_channels_and_every_note_ends() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let piece = compose(&mut rng, &["sax", "pia"], 8.0, true);
        let ons = piece.events.iter().filter(|e| e.command == 0x90).count();
        let offs = piece.events.iter().filter(|e| e.command == 0x80).count();
        assert_eq!(ons, offs);
        assert!(piece.events.iter().any(|e| e.channel == 7 && e.command == 0x90), "bass");
        assert!(piece.events.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn a_solo_plays_its_notes_alone_on_one_program() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let notes = sparse_layout(3, 3.0, &mut rng, |r| r.random_range(43..=84));
        let piece = solo(&mut rng, "org", 19, &notes, 9.0);
        assert_eq!(piece.leads, ["org"]);
        assert!(!piece.drums);
        assert!(piece.events.iter().all(|e| e.channel == 0));
        assert!(piece.events.iter().any(|e| e.command == 0xC0 && e.data1 == 19));
        let ons: Vec<_> = piece.events.iter().filter(|e| e.command == 0x90).collect();
        assert_eq!(ons.len(), notes.len());
        assert_eq!(piece.events.iter().filter(|e| e.command == 0x80).count(), notes.len());
        assert!(piece.events.windows(2).all(|w| w[0].time <= w[1].time));
        // Every note sounds inside the song, each excerpt has at least one.
        assert!(notes.iter().all(|n| n.start >= 0.0 && n.start + n.length <= 9.0 && n.length >= 0.3));
        assert!((0..3).all(|k| notes.iter().any(|n| (n.start / 3.0).floor() as usize == k)));
    }
}
