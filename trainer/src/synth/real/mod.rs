//! Leads played by real recordings (`trainer synth --real-instruments DIR`): a sampler built
//! from recorded notes plays the composed melody, or recorded phrases are laid end to end; MIR-1K
//! singing comes with its own backing track. The corpus mixes the lead over the rendered
//! accompaniment at a predominance margin, as IRMAS excerpts are.
mod backing;
mod bank;
mod sampler;

pub use backing::render_backing;
pub use bank::{
    accompaniment_path, dynamic_rank, held_out_recordings, performer, HeldOutRecording, RealBank, Sample, Source,
    SourceKind,
};
pub use sampler::{playable_pitch, render_notes, MAX_SHIFT};

use rand::{Rng, RngExt};
use shared::labels::label_index;

use super::music::sparse_layout;
use super::score::{notes_of, Piece};
use super::signal::{amp, room};

/// A rendered real lead.
pub struct RealLead {
    pub audio: Vec<f32>,
    /// The backing track recorded with the lead (MIR-1K), aligned with it.
    pub own_accompaniment: Option<Vec<f32>>,
    /// The source's performer or instrument.
    pub source_id: String,
    pub kind: SourceKind,
    /// From a performer held out of training (the song belongs to the validation split).
    pub held_out: bool,
}

/// Seconds a struck instrument keeps ringing after its key is let go.
fn ring(label: &str) -> f64 {
    match label {
        "pia" => 0.8,
        "gac" | "gel" => 0.5,
        _ => 0.0,
    }
}

/// Lays random recordings of `source` end to end (random start in each, short gaps, ±4 dB) until
/// `seconds` are filled; their own backing tracks follow them where there are any.
fn render_phrases(source: &Source, seconds: f64, sample_rate: u32, rng: &mut impl Rng) -> (Vec<f32>, Option<Vec<f32>>) {
    let n = (seconds * f64::from(sample_rate)).round() as usize;
    let mut lead = vec![0.0f32; n];
    let has_own = source.accompaniment.iter().any(Option::is_some);
    let mut own = vec![0.0f32; if has_own { n } else { 0 }];
    let mut at = 0usize;
    while at < n && !source.samples.is_empty() {
        let k = rng.random_range(0..source.samples.len());
        let x = &source.samples[k].audio;
        let remaining = n - at;
        // Start anywhere that still leaves the rest of the song (or the whole file) to play.
        let start = if x.len() > remaining { rng.random_range(0..x.len() - remaining / 2) } else { 0 };
        let len = (x.len() - start).min(remaining);
        let gain = 10f32.powf(rng.random_range(-4.0..4.0) / 20.0);
        for (o, v) in lead[at..at + len].iter_mut().zip(&x[start..start + len]) {
            *o = gain * v;
        }
        if let Some(Some(acc)) = source.accompaniment.get(k) {
            for (o, v) in own[at..at + len].iter_mut().zip(acc.iter().skip(start)) {
                *o = gain * v;
            }
        }
        at += len + (rng.random_range(0.0..0.4) * f64::from(sample_rate)) as usize;
    }
    (lead, has_own.then_some(own))
}

/// Picks a source, each with a weight of the square root of its file count: large banks are
/// heard more, small ones (a dozen notes) not as often as a whole orchestra's.
fn pick<'a>(sources: &[&'a Source], rng: &mut impl Rng) -> Option<&'a Source> {
    let weights: Vec<f64> = sources.iter().map(|s| (s.samples.len() as f64).sqrt()).collect();
    weighted(sources, &weights, rng).copied()
}

/// One of `items`, drawn with the chance of its weight (one draw of `rng`); the last where the
/// weights sum to nothing, `None` for no items.
fn weighted<'a, T>(items: &'a [T], weights: &[f64], rng: &mut impl Rng) -> Option<&'a T> {
    let mut r = rng.random_range(0.0..weights.iter().sum::<f64>().max(f64::MIN_POSITIVE));
    for (item, w) in items.iter().zip(weights) {
        if r < *w {
            return Some(item);
        }
        r -= w;
    }
    items.last()
}

/// Renders the lead of `label` for `piece` (its melody is channel 0) from a source of that label
/// (see [`pick`]): recorded notes playing the melody, or recorded phrases (half the time where a
/// label has both). Electric guitar goes through an amplifier 60 % of the time, and any lead gets
/// a room half of the time. `None` when the bank has nothing of this label.
pub fn render_lead(
    bank: &RealBank,
    label: &str,
    piece: &Piece,
    sample_rate: u32,
    rng: &mut impl Rng,
) -> Option<RealLead> {
    let index = label_index(label)?;
    let notes = bank.sources_of(index, Some(SourceKind::Notes));
    let phrases = bank.sources_of(index, Some(SourceKind::Phrases));
    let use_phrases = !phrases.is_empty() && (notes.is_empty() || rng.random_bool(0.5));
    let source = pick(if use_phrases { &phrases } else { &notes }, rng)?;
    let (audio, own_accompaniment) = match source.kind {
        SourceKind::Phrases => render_phrases(source, piece.seconds, sample_rate, rng),
        SourceKind::Notes => {
            let samples: Vec<&Sample> = source.samples.iter().collect();
            (render_notes(&notes_of(piece, 0), &samples, piece.seconds, ring(label), sample_rate, rng), None)
        }
    };
    Some(finish(label, source, audio, own_accompaniment, sample_rate, rng))
}

/// A lead rendered from `source`, through the amplifier (electric guitar, 60 % of the time) and a
/// room (half of the time).
fn finish(
    label: &str,
    source: &Source,
    mut audio: Vec<f32>,
    own_accompaniment: Option<Vec<f32>>,
    sample_rate: u32,
    rng: &mut impl Rng,
) -> RealLead {
    if label == "gel" && rng.random_bool(0.6) {
        amp(&mut audio, sample_rate, rng);
    }
    if rng.random_bool(0.5) {
        room(&mut audio, sample_rate, rng);
    }
    RealLead { audio, own_accompaniment, source_id: source.id.clone(), kind: source.kind, held_out: source.held_out }
}

/// A sparse lead of `label`, `excerpts` × `excerpt_seconds` long (what a sustained-note
/// recording sounds like, which songs never teach): in each excerpt one held note or two or
/// three notes with short silences between ([`sparse_layout`]), at a random pitch and loudness of
/// the label's recorded notes; a solo phrase where the label has no notes
/// (voice). No accompaniment. Electric guitar through the amplifier 60 % of the time and a room
/// half of the time, as [`render_lead`]. `None` when the bank has nothing of this label.
pub fn render_sparse(
    bank: &RealBank,
    label: &str,
    excerpts: usize,
    excerpt_seconds: f64,
    sample_rate: u32,
    rng: &mut impl Rng,
) -> Option<RealLead> {
    let index = label_index(label)?;
    let seconds = excerpts as f64 * excerpt_seconds;
    let notes = bank.sources_of(index, Some(SourceKind::Notes));
    let (source, audio) = if notes.is_empty() {
        let source = pick(&bank.sources_of(index, Some(SourceKind::Phrases)), rng)?;
        (source, render_phrases(source, seconds, sample_rate, rng).0)
    } else {
        let source = pick(&notes, rng)?;
        let samples: Vec<&Sample> = source.samples.iter().collect();
        let played = sparse_layout(excerpts, excerpt_seconds, rng, |rng| {
            samples.get(rng.random_range(0..samples.len().max(1))).and_then(|s| s.midi).unwrap_or(60)
        });
        (source, render_notes(&played, &samples, seconds, ring(label), sample_rate, rng))
    };
    Some(finish(label, source, audio, None, sample_rate, rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::signal::active_rms;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn source(kind: SourceKind, with_own: bool) -> Source {
        let tone = |midi: u8| Sample {
            file: format!("{midi}.ogg"),
            midi: (kind == SourceKind::Notes).then_some(midi),
            dynamic: 3,
            audio: (0..33_075).map(|i| (i as f32 * 0.02 * f32::from(midi) / 60.0).sin() * 0.5).collect(),
        };
        let samples: Vec<Sample> = [55u8, 62, 69].into_iter().map(tone).collect();
        let accompaniment =
            samples.iter().map(|s| with_own.then(|| s.audio.iter().map(|v| v * 0.3).collect())).collect();
        Source { label: 3, kind, id: "test".into(), held_out: false, samples, accompaniment }
    }

    #[test]
    fn phrases_fill_the_song_and_keep_their_own_backing() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (lead, own) = render_phrases(&source(SourceKind::Phrases, true), 9.0, 22_050, &mut rng);
        assert_eq!(lead.len(), 9 * 22_050);
        let own = own.expect("a backing track");
        assert_eq!(own.len(), lead.len());
        // Sound in every second of the song.
        assert!(lead.chunks(22_050).all(|s| active_rms(s) > 0.01));
        let (_, none) = render_phrases(&source(SourceKind::Phrases, false), 3.0, 22_050, &mut rng);
        assert!(none.is_none());
    }

    #[test]
    fn larger_sources_are_picked_more_often() {
        let (mut small, mut large) = (source(SourceKind::Notes, false), source(SourceKind::Notes, false));
        small.samples.truncate(1);
        let extra: Vec<Sample> =
            (0..6).map(|i| Sample { file: format!("{i}"), midi: Some(60), dynamic: 3, audio: vec![0.1; 10] }).collect();
        large.samples.extend(extra);
        large.id = "large".into();
        let refs = [&small, &large];
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = (0..3000).filter(|_| pick(&refs, &mut rng).map(|s| s.id.as_str()) == Some("large")).count();
        // sqrt(9) / (sqrt(9) + sqrt(1)) = 0.75
        assert!((2_100..2_400).contains(&n), "{n}");
        assert!(pick(&[], &mut rng).is_none());
    }

    #[test]
    fn a_sparse_lead_sounds_in_every_excerpt_and_is_deterministic() {
        let bank = RealBank { sources: vec![source(SourceKind::Notes, false)] };
        let a = render_sparse(&bank, "gac", 3, 3.0, 22_050, &mut ChaCha8Rng::seed_from_u64(4)).expect("a lead");
        let b = render_sparse(&bank, "gac", 3, 3.0, 22_050, &mut ChaCha8Rng::seed_from_u64(4)).expect("a lead");
        assert_eq!(a.audio, b.audio);
        assert_eq!(a.audio.len(), 9 * 22_050);
        assert!(a.own_accompaniment.is_none());
        assert!(a.audio.chunks(3 * 22_050).all(|x| active_rms(x) > 0.01), "an excerpt without the instrument");
        let phrases = RealBank { sources: vec![source(SourceKind::Phrases, false)] };
        let p = render_sparse(&phrases, "gac", 3, 3.0, 22_050, &mut ChaCha8Rng::seed_from_u64(4)).expect("a phrase");
        assert_eq!(p.kind, SourceKind::Phrases);
        assert!(render_sparse(&bank, "vio", 3, 3.0, 22_050, &mut ChaCha8Rng::seed_from_u64(4)).is_none());
    }

    #[test]
    fn a_lead_comes_from_the_labels_sources_and_is_deterministic() {
        let bank = RealBank { sources: vec![source(SourceKind::Notes, false), source(SourceKind::Phrases, false)] };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let piece = crate::synth::compose(&mut rng, &["gac"], 9.0, true);
        let a = render_lead(&bank, "gac", &piece, 22_050, &mut ChaCha8Rng::seed_from_u64(9)).expect("a lead");
        let b = render_lead(&bank, "gac", &piece, 22_050, &mut ChaCha8Rng::seed_from_u64(9)).expect("a lead");
        assert_eq!(a.audio, b.audio);
        assert_eq!(a.source_id, "test");
        assert!(active_rms(&a.audio) > 0.0 && a.audio.iter().all(|v| v.is_finite()));
        assert!(render_lead(&bank, "vio", &piece, 22_050, &mut rng).is_none(), "no violin in this bank");
    }
}
