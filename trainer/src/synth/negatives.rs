//! Audio in which none of the 11 instruments plays, for all-zero training targets and for the
//! visible negative check: drum kits alone, bass lines alone, General MIDI programs outside the
//! labels, noise of several colours, mains hum, clicks and crackle, room tone, and (for training
//! only) the real recordings of `../shared/data/real-negatives`. IRMAS assumes one of its
//! instruments always plays; without such material the network answers noise and drums with
//! instruments at full confidence.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rand::{Rng, RngExt};
use rustysynth::SoundFont;
use shared::audio::{decode_file, DecodeOptions};

use super::render::render;
use super::score::{Event, Piece};
use super::signal::{active_rms, low_pass, peak};

/// What a negative excerpt is made of.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::Display,
    strum::EnumIter,
    strum::EnumString,
    serde::Serialize,
    serde::Deserialize,
)]
#[strum(serialize_all = "kebab-case")]
#[serde(rename_all = "kebab-case")]
pub enum NegativeKind {
    /// A drum kit of the bank (every General MIDI kit number) playing a groove with fills.
    Drums,
    /// A bass program playing a line alone.
    Bass,
    /// Drums and bass together: a rhythm section without any label.
    DrumsBass,
    /// A General MIDI program outside the labels (chromatic percussion, synth leads and pads,
    /// effects, ethnic, percussive, sound effects).
    OtherProgram,
    /// White, pink or brown noise.
    Noise,
    /// Mains hum (50 or 60 Hz and harmonics) over faint noise.
    Hum,
    /// Clicks and vinyl crackle over faint noise.
    Clicks,
    /// Low-passed room noise with a little hum.
    RoomTone,
    /// A real recording of the negatives pack (drums, everyday sounds, room tone, bass).
    Recorded,
}

/// General MIDI programs (0-based) that are none of the labels and not close to one: chromatic
/// percussion, timpani, synth leads and pads but the calliope, chiff and voice leads and the choir
/// and bowed pads, synth effects, sitar, shamisen, koto, kalimba, percussive programs, and sound
/// effects but guitar fret and breath noise.
pub const OTHER_PROGRAMS: &[u8] = &[
    8, 9, 10, 11, 12, 13, 14, 15, 47, 80, 81, 84, 86, 87, 88, 89, 90, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103,
    104, 106, 107, 108, 112, 113, 114, 115, 116, 117, 118, 119, 122, 123, 124, 125, 126, 127,
];

/// The General MIDI drum kits (program numbers on channel 10): standard, room, power,
/// electronic, TR-808, jazz, brush, orchestra.
pub const KITS: &[u8] = &[0, 8, 16, 24, 25, 32, 40, 48];

const DRUM_CHANNEL: u8 = 9;
const BASS_CHANNEL: u8 = 7;
const OTHER_CHANNEL: u8 = 1;

/// The real recordings of the negatives pack, decoded once: long ones (ambiences, room tone) and
/// short ones (drum hits, bass notes) by kind.
pub struct RecordedNegatives {
    pub clips: Vec<RecordedClip>,
}

pub struct RecordedClip {
    pub kind: String,
    pub samples: Vec<f32>,
}

impl RecordedNegatives {
    /// Reads `samples.csv` (`file,kind,…`) of the pack in `dir` and decodes every clip at
    /// `sample_rate`.
    pub fn load(dir: &Path, sample_rate: u32) -> anyhow::Result<Self> {
        let table = dir.join("samples.csv");
        let mut reader = csv::Reader::from_path(&table).with_context(|| format!("reading {}", table.display()))?;
        let headers = reader.headers()?.clone();
        let column = |name: &str| {
            headers.iter().position(|h| h == name).with_context(|| format!("{}: no {name:?} column", table.display()))
        };
        let (file_col, kind_col) = (column("file")?, column("kind")?);
        let rows: Vec<(PathBuf, String)> = reader
            .records()
            .map(|r| {
                let r = r?;
                let file = r.get(file_col).context("a row without its file")?;
                let path = if dir.join(file).is_file() { dir.join(file) } else { dir.join("audio").join(file) };
                Ok((path, r.get(kind_col).unwrap_or("other").to_string()))
            })
            .collect::<anyhow::Result<_>>()?;
        use rayon::prelude::*;
        let clips = rows
            .par_iter()
            .map(|(path, kind)| {
                let d = decode_file(path, sample_rate, &DecodeOptions::default())
                    .with_context(|| format!("decoding {}", path.display()))?;
                Ok(RecordedClip { kind: kind.clone(), samples: d.samples })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!clips.is_empty(), "{} lists no clips", table.display());
        Ok(Self { clips })
    }
}

/// How often each kind is drawn, relative to the others: rhythm sections and other programs are
/// what sits under or beside real music; noises are what a silent or broken recording holds.
pub const DEFAULT_WEIGHTS: &[(NegativeKind, u32)] = &[
    (NegativeKind::Drums, 5),
    (NegativeKind::Bass, 2),
    (NegativeKind::DrumsBass, 3),
    (NegativeKind::OtherProgram, 4),
    (NegativeKind::Noise, 2),
    (NegativeKind::Hum, 1),
    (NegativeKind::Clicks, 1),
    (NegativeKind::RoomTone, 1),
    (NegativeKind::Recorded, 6),
];

/// A kind's drawing weight in place of its [`DEFAULT_WEIGHTS`] entry, written `KIND=WEIGHT`
/// (`bass=6`; 0 never draws the kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KindWeight {
    pub kind: NegativeKind,
    pub weight: u32,
}

impl std::str::FromStr for KindWeight {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, weight) = s.split_once('=').ok_or_else(|| format!("{s:?}: write KIND=WEIGHT, e.g. bass=6"))?;
        let kind: NegativeKind = kind.trim().parse().map_err(|_| {
            let kinds: Vec<String> = DEFAULT_WEIGHTS.iter().map(|(k, _)| k.to_string()).collect();
            format!("{kind:?} is not a kind of negative ({})", kinds.join(", "))
        })?;
        let weight =
            weight.trim().parse().map_err(|e| format!("{weight:?}: the weight must be a whole number: {e}"))?;
        Ok(KindWeight { kind, weight })
    }
}

/// The weights a corpus draws with: the defaults, each kind in `overrides` replaced, and the
/// recorded kind left out without the pack. Errors when nothing could be drawn.
pub fn kind_weights(overrides: &[KindWeight], recorded: bool) -> anyhow::Result<Vec<(NegativeKind, u32)>> {
    let weights: Vec<(NegativeKind, u32)> = DEFAULT_WEIGHTS
        .iter()
        .map(|&(kind, w)| {
            let w = overrides.iter().rev().find(|o| o.kind == kind).map_or(w, |o| o.weight);
            (kind, if kind == NegativeKind::Recorded && !recorded { 0 } else { w })
        })
        .collect();
    anyhow::ensure!(weights.iter().any(|&(_, w)| w > 0), "every kind of negative has weight 0: nothing to draw");
    Ok(weights)
}

/// Draws what one negative excerpt is made of, by `weights` (from [`kind_weights`]).
pub fn pick_kind(rng: &mut impl Rng, weights: &[(NegativeKind, u32)]) -> NegativeKind {
    let total: u32 = weights.iter().map(|(_, w)| w).sum();
    let mut draw = rng.random_range(0..total);
    for &(k, w) in weights {
        if draw < w {
            return k;
        }
        draw -= w;
    }
    unreachable!("a draw below the total falls on a kind: a bug")
}

/// `seconds` of negative audio of `kind`, rendered with `font` for the General MIDI kinds.
pub fn render_negative(
    kind: NegativeKind,
    font: &Arc<SoundFont>,
    recorded: Option<&RecordedNegatives>,
    seconds: f64,
    sample_rate: u32,
    rng: &mut impl Rng,
) -> anyhow::Result<Vec<f32>> {
    let n = (seconds * sample_rate as f64).round() as usize;
    let beat = rng.random_range(0.33..0.75);
    let midi = |events: Vec<Event>| Piece { events, seconds, leads: Vec::new(), drums: false };
    let mut x = match kind {
        NegativeKind::Drums => render(font, &midi(drums(rng, beat, seconds)), sample_rate)?,
        NegativeKind::Bass => render(font, &midi(bass(rng, beat, seconds)), sample_rate)?,
        NegativeKind::DrumsBass => {
            let mut events = drums(rng, beat, seconds);
            events.extend(bass(rng, beat, seconds));
            events.sort_by(|a, b| a.time.total_cmp(&b.time));
            render(font, &midi(events), sample_rate)?
        }
        NegativeKind::OtherProgram => render(font, &midi(other_program(rng, beat, seconds)), sample_rate)?,
        NegativeKind::Noise => coloured_noise(n, rng.random_range(0..3), rng),
        NegativeKind::Hum => hum(n, sample_rate, rng),
        NegativeKind::Clicks => clicks(n, sample_rate, rng),
        NegativeKind::RoomTone => room_tone(n, sample_rate, rng),
        NegativeKind::Recorded => match recorded {
            Some(pack) => recorded_excerpt(pack, n, sample_rate, rng),
            None => anyhow::bail!("recorded negatives need the negatives pack"),
        },
    };
    x.resize(n, 0.0);
    Ok(x)
}

fn note(events: &mut Vec<Event>, t: f64, length: f64, channel: u8, key: u8, velocity: u8) {
    events.push(Event { time: t, channel, command: 0x90, data1: key, data2: velocity.clamp(1, 127) });
    events.push(Event { time: t + length, channel, command: 0x80, data1: key, data2: 0 });
}

fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by(|a, b| a.time.total_cmp(&b.time));
    events
}

/// A groove on one of the kits: hi-hat or ride in eighths or sixteenths, kick and snare
/// patterns that vary per bar, tom fills, crashes and hand percussion.
fn drums(rng: &mut impl Rng, beat: f64, seconds: f64) -> Vec<Event> {
    let kit = KITS[rng.random_range(0..KITS.len())];
    let mut e = vec![Event { time: 0.0, channel: DRUM_CHANNEL, command: 0xC0, data1: kit, data2: 0 }];
    let steps = if rng.random_bool(0.4) { 16 } else { 8 };
    let step = 4.0 * beat / steps as f64;
    let cymbal = [42u8, 42, 44, 46, 51, 53][rng.random_range(0..6)];
    let hand: Option<u8> =
        rng.random_bool(0.35).then(|| [39u8, 54, 56, 60, 61, 62, 63, 64, 69, 70, 75, 76][rng.random_range(0..12)]);
    let (mut t, mut bar) = (0.0, 0);
    while t < seconds {
        let fill = bar % 4 == 3 && rng.random_bool(0.5);
        for s in 0..steps {
            let ts = t + s as f64 * step;
            let pos = s * 8 / steps; // position in eighths
            if fill && pos >= 4 {
                let tom = [50u8, 48, 47, 45, 43, 41][rng.random_range(0..6)];
                note(&mut e, ts, 0.1, DRUM_CHANNEL, tom, rng.random_range(70..=120));
                continue;
            }
            if rng.random_bool(0.9) {
                note(&mut e, ts, 0.1, DRUM_CHANNEL, cymbal, rng.random_range(40..=95));
            }
            let kick = s * 8 % steps == 0 && (pos == 0 || pos == 4 || rng.random_bool(0.25));
            if kick {
                note(&mut e, ts, 0.1, DRUM_CHANNEL, 36, rng.random_range(85..=125));
            }
            if s * 8 % steps == 0 && (pos == 2 || pos == 6) {
                note(
                    &mut e,
                    ts,
                    0.1,
                    DRUM_CHANNEL,
                    if rng.random_bool(0.8) { 38 } else { 40 },
                    rng.random_range(80..=120),
                );
            }
            if let Some(h) = hand.filter(|_| rng.random_bool(0.5)) {
                note(&mut e, ts, 0.1, DRUM_CHANNEL, h, rng.random_range(50..=100));
            }
        }
        if bar % 4 == 0 && rng.random_bool(0.4) {
            note(&mut e, t, 0.5, DRUM_CHANNEL, 49, rng.random_range(70..=110));
        }
        t += 4.0 * beat;
        bar += 1;
    }
    sorted(e)
}

/// A bass line (one of the eight bass programs): roots, fifths and octaves of a progression.
fn bass(rng: &mut impl Rng, beat: f64, seconds: f64) -> Vec<Event> {
    let program = rng.random_range(32..=39);
    let mut e = vec![Event { time: 0.0, channel: BASS_CHANNEL, command: 0xC0, data1: program, data2: 0 }];
    let root = rng.random_range(28..=40u8);
    let degrees = [0u8, 5, 7, 9, 3, 10];
    let eighths = rng.random_bool(0.5);
    let step = if eighths { beat / 2.0 } else { beat };
    let (mut t, mut bar) = (rng.random_range(0.0..0.3), 0usize);
    while t < seconds {
        let chord = root + degrees[(bar + rng.random_range(0..2)) % degrees.len()];
        for s in 0..(4.0 * beat / step).round() as usize {
            if rng.random_bool(0.85) {
                let key = chord + [0u8, 0, 7, 12][rng.random_range(0..4)];
                note(&mut e, t + s as f64 * step, step * 0.9, BASS_CHANNEL, key, rng.random_range(70..=115));
            }
        }
        t += 4.0 * beat;
        bar += 1;
    }
    sorted(e)
}

/// A line, held chords or hits on a program outside the labels.
fn other_program(rng: &mut impl Rng, beat: f64, seconds: f64) -> Vec<Event> {
    let program = OTHER_PROGRAMS[rng.random_range(0..OTHER_PROGRAMS.len())];
    let mut e = vec![Event { time: 0.0, channel: OTHER_CHANNEL, command: 0xC0, data1: program, data2: 0 }];
    let low = rng.random_range(40..=64u8);
    let mut t = rng.random_range(0.0..0.5);
    while t < seconds {
        let d = beat * [0.5, 1.0, 1.0, 2.0, 4.0][rng.random_range(0..5)];
        let voices = if rng.random_bool(0.3) { 3 } else { 1 };
        let key = low + rng.random_range(0..20u8);
        for v in 0..voices {
            note(&mut e, t, d * 0.9, OTHER_CHANNEL, key + 4 * v, rng.random_range(60..=115));
        }
        t += d + if rng.random_bool(0.15) { beat } else { 0.0 };
    }
    sorted(e)
}

/// Unit-peak noise: white (0), pink (1, Paul Kellet's filter) or brown (2, leaky integration).
pub fn coloured_noise(n: usize, colour: u32, rng: &mut impl Rng) -> Vec<f32> {
    let mut white = || rng.random_range(-1.0..1.0f32);
    let mut x: Vec<f32> = match colour {
        0 => (0..n).map(|_| white()).collect(),
        1 => {
            let mut b = [0.0f32; 3];
            (0..n)
                .map(|_| {
                    let w = white();
                    b[0] = 0.99765 * b[0] + w * 0.099_046;
                    b[1] = 0.96300 * b[1] + w * 0.296_516_4;
                    b[2] = 0.57000 * b[2] + w * 1.052_691_3;
                    b[0] + b[1] + b[2] + w * 0.1848
                })
                .collect()
        }
        _ => {
            let mut acc = 0.0f32;
            (0..n)
                .map(|_| {
                    acc = 0.995 * acc + 0.1 * white();
                    acc
                })
                .collect()
        }
    };
    let peak = peak(&x).max(1e-9);
    x.iter_mut().for_each(|v| *v /= peak);
    x
}

/// Mains hum: 50 or 60 Hz with odd and even harmonics of random strength, over noise 20–40 dB down.
fn hum(n: usize, sample_rate: u32, rng: &mut impl Rng) -> Vec<f32> {
    let f0 = if rng.random_bool(0.5) { 50.0 } else { 60.0 };
    let harmonics: Vec<f32> = (1..=8).map(|h| rng.random_range(0.0..1.0f32) / h as f32).collect();
    let noise = coloured_noise(n, rng.random_range(0..3), rng);
    let floor = 10f32.powf(-rng.random_range(20.0..40.0f32) / 20.0);
    (0..n)
        .map(|i| {
            let t = i as f32 / sample_rate as f32;
            let tone: f32 = harmonics
                .iter()
                .enumerate()
                .map(|(h, a)| a * (2.0 * std::f32::consts::PI * f0 * (h + 1) as f32 * t).sin())
                .sum();
            0.3 * tone + floor * noise[i]
        })
        .collect()
}

/// Clicks and crackle: impulses of random height and sign, a few per second to hundreds, over
/// faint noise.
fn clicks(n: usize, sample_rate: u32, rng: &mut impl Rng) -> Vec<f32> {
    let floor = 10f32.powf(-rng.random_range(30.0..60.0f32) / 20.0);
    let mut x: Vec<f32> = coloured_noise(n, rng.random_range(0..3), rng).into_iter().map(|v| v * floor).collect();
    let per_second = 10f64.powf(rng.random_range(0.3..2.5));
    let count = (per_second * n as f64 / sample_rate as f64).ceil() as usize;
    for _ in 0..count {
        let at = rng.random_range(0..n.max(1));
        let height = rng.random_range(0.05..1.0f32) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let len = rng.random_range(1..40usize);
        for k in 0..len.min(n - at) {
            x[at + k] += height * (-(k as f32) / 4.0).exp();
        }
    }
    x
}

/// Room tone: low-passed pink or brown noise with hum 20–40 dB under it.
fn room_tone(n: usize, sample_rate: u32, rng: &mut impl Rng) -> Vec<f32> {
    let mut x = coloured_noise(n, 1 + rng.random_range(0..2), rng);
    let cutoff = rng.random_range(300.0..4_000.0f32);
    low_pass(&mut x, cutoff, sample_rate);
    let h = hum(n, sample_rate, rng);
    let g = active_rms(&x) * 10f32.powf(-rng.random_range(20.0..40.0f32) / 20.0) / active_rms(&h).max(1e-9);
    x.iter_mut().zip(&h).for_each(|(v, h)| *v += g * h);
    x
}

/// `n` samples from the recorded pack: a stretch of a long recording (looped when shorter), or
/// short ones (drum hits, bass notes) scattered at random times over faint noise.
fn recorded_excerpt(pack: &RecordedNegatives, n: usize, sample_rate: u32, rng: &mut impl Rng) -> Vec<f32> {
    let first = &pack.clips[rng.random_range(0..pack.clips.len())];
    if first.samples.len() >= n / 2 {
        let start = rng.random_range(0..first.samples.len().saturating_sub(n).max(1));
        return first.samples.iter().cycle().skip(start).take(n).copied().collect();
    }
    let floor = 10f32.powf(-rng.random_range(45.0..70.0f32) / 20.0);
    let mut x: Vec<f32> = coloured_noise(n, 1, rng).into_iter().map(|v| v * floor).collect();
    let shorts: Vec<&RecordedClip> =
        pack.clips.iter().filter(|c| c.kind == first.kind && c.samples.len() < n / 2).collect();
    let hits = rng.random_range(3..=(4.0 * n as f64 / sample_rate as f64) as usize);
    for _ in 0..hits {
        let clip = shorts[rng.random_range(0..shorts.len())];
        let at = rng.random_range(0..n);
        let gain = rng.random_range(0.3..1.0f32);
        x[at..].iter_mut().zip(&clip.samples).for_each(|(v, s)| *v += gain * s);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use strum::IntoEnumIterator;

    #[test]
    fn no_other_program_is_a_label_program() {
        for l in shared::labels::LABELS {
            for p in super::super::programs::programs(l) {
                assert!(!OTHER_PROGRAMS.contains(p), "{l}: program {p}");
            }
        }
    }

    #[test]
    fn made_noises_sound_and_stay_finite() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (i, x) in [
            coloured_noise(22_050, 0, &mut rng),
            coloured_noise(22_050, 1, &mut rng),
            coloured_noise(22_050, 2, &mut rng),
            hum(22_050, 22_050, &mut rng),
            clicks(22_050, 22_050, &mut rng),
            room_tone(22_050, 22_050, &mut rng),
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(x.len(), 22_050);
            assert!(x.iter().all(|v| v.is_finite()), "{i}");
            assert!(active_rms(x) > 1e-4, "{i}: silent");
        }
    }

    #[test]
    fn every_kind_can_be_drawn() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let all = kind_weights(&[], true).unwrap();
        let drawn: std::collections::BTreeSet<String> =
            (0..2_000).map(|_| pick_kind(&mut rng, &all).to_string()).collect();
        assert_eq!(drawn.len(), NegativeKind::iter().count(), "{drawn:?}");
        let without_pack = kind_weights(&[], false).unwrap();
        assert!((0..2_000).all(|_| pick_kind(&mut rng, &without_pack) != NegativeKind::Recorded));
    }

    #[test]
    fn weights_replace_the_defaults_kind_by_kind() {
        let overrides: Vec<KindWeight> = ["bass=10", "drums=0"].iter().map(|s| s.parse().unwrap()).collect();
        let w = kind_weights(&overrides, true).unwrap();
        let of = |k| w.iter().find(|(kind, _)| *kind == k).unwrap().1;
        assert_eq!((of(NegativeKind::Bass), of(NegativeKind::Drums), of(NegativeKind::Hum)), (10, 0, 1));
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let draws: Vec<NegativeKind> = (0..3_000).map(|_| pick_kind(&mut rng, &w)).collect();
        assert!(!draws.contains(&NegativeKind::Drums));
        // bass: 10 of 28 → about 36 %.
        let bass = draws.iter().filter(|&&k| k == NegativeKind::Bass).count() as f64 / 3_000.0;
        assert!((0.31..0.41).contains(&bass), "{bass}");
    }

    #[test]
    fn weights_that_cannot_be_read_or_drawn_are_refused() {
        assert!("bass".parse::<KindWeight>().unwrap_err().contains("KIND=WEIGHT"));
        assert!("tuba=3".parse::<KindWeight>().unwrap_err().contains("not a kind"));
        assert!("bass=-1".parse::<KindWeight>().unwrap_err().contains("whole number"));
        assert_eq!("other-program=8".parse::<KindWeight>().unwrap().kind, NegativeKind::OtherProgram);
        let none: Vec<KindWeight> = DEFAULT_WEIGHTS.iter().map(|&(kind, _)| KindWeight { kind, weight: 0 }).collect();
        assert!(kind_weights(&none, true).is_err());
    }
}
