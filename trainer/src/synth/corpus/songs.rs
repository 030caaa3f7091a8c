//! The kinds of song a corpus is made of: training songs (rendered, led by a real recording,
//! sparse, with a real backing), negative songs in which none of the labels plays, and test
//! clips, each cut and degraded as IRMAS excerpts are.
use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustysynth::SoundFont;
use shared::labels::LABELS;

use super::io::write_wav;
use super::CorpusConfig;
use crate::data::{Material, NO_LABEL_FOLDER};
use crate::synth::music::{compose, solo, sparse_layout};
use crate::synth::negatives::{pick_kind, render_negative, NegativeKind, RecordedNegatives};
use crate::synth::programs::{pick_program, register};
use crate::synth::real::{render_backing, render_lead, render_sparse, RealBank, SourceKind};
use crate::synth::render::{degrade, render};
use crate::synth::score::Piece;
use crate::synth::signal::{active_rms, equalise, mix_over, room};

/// Seconds of one training song, cut into three 3-s excerpts.
const SONG_SECONDS: f64 = 9.0;
const EXCERPT_SECONDS: f64 = 3.0;
pub(super) const EXCERPTS_PER_SONG: usize = (SONG_SECONDS / EXCERPT_SECONDS) as usize;

/// The random streams of a corpus. Each job (a song, a test clip) draws from streams of its own,
/// seeded by the corpus seed, the stream and the job's number, so a job renders the same whatever
/// the other jobs are; and each choice added to the corpus over time (real leads, sparse songs,
/// real backing, negatives) draws on a new stream, so at a share of 0 every file of a corpus is
/// what it was before that choice existed.
#[derive(Debug, Clone, Copy)]
enum Stream {
    /// A rendered training song: its piece, mix and degradation.
    Song = 1,
    TestClip = 2,
    /// Whether a training song's lead is real, and that song.
    RealLead = 3,
    /// Whether a training song is sparse real material, and that song.
    Sparse = 4,
    /// Whether an accompanied song's backing is played by the pack, and that backing.
    RealBacking = 5,
    /// Whether a sparse song is played by the training banks, and that song.
    SparseRendered = 6,
    Negative = 7,
}

fn job_rng(seed: u64, stream: Stream, index: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((stream as u64) << 56) ^ index as u64)
}

/// What one rendered song was.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rendered {
    pub seconds: f64,
    pub real: Option<SourceKind>,
}

/// Writes the three excerpts of a training song, each degraded on its own.
fn write_excerpts(
    c: &CorpusConfig,
    audio: &[f32],
    label: &str,
    stem: &str,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<()> {
    let dir = c.out.join("IRMAS-TrainingData").join(label);
    let n = (EXCERPT_SECONDS * c.sample_rate as f64) as usize;
    for (k, chunk) in audio.chunks_exact(n).enumerate() {
        let mut x = chunk.to_vec();
        degrade(&mut x, c.sample_rate, rng);
        // Drawn only when asked for, so corpora without it keep their random streams.
        if c.eq_share > 0.0 && rng.random_bool(c.eq_share) {
            equalise(&mut x, c.sample_rate, rng);
        }
        write_wav(&dir.join(format!("{stem}{}.wav", k + 1)), &x, c.sample_rate)?;
    }
    Ok(())
}

/// One training song: three excerpts of one label; a `sparse_share` of the songs sparse (a
/// `sparse_rendered_share` of those played by the bank), a `real_share` of the rest led by a real
/// recording, the others rendered (each choice on its own [`Stream`]).
pub(super) fn train_song(
    c: &CorpusConfig,
    fonts: &[Arc<SoundFont>],
    real: Option<&RealBank>,
    j: usize,
) -> anyhow::Result<Rendered> {
    let label = LABELS[j % LABELS.len()];
    // Banks take turns per round of labels, so every label is heard from every bank.
    let font = &fonts[(j / LABELS.len()) % fonts.len()];
    if let (Some(bank), true) = (real, c.sparse_share > 0.0) {
        let mut rng = job_rng(c.seed, Stream::Sparse, j);
        if rng.random_bool(c.sparse_share) {
            let mut rendered = job_rng(c.seed, Stream::SparseRendered, j);
            if c.sparse_rendered_share > 0.0 && rendered.random_bool(c.sparse_rendered_share) {
                return rendered_sparse_song(c, font, label, j, &mut rendered);
            }
            if let Some(r) = sparse_song(c, bank, label, j, &mut rng)? {
                return Ok(r);
            }
        }
    }
    if let Some(bank) = real {
        let mut rng = job_rng(c.seed, Stream::RealLead, j);
        if rng.random_bool(c.real_share) {
            if let Some(r) = real_song(c, font, bank, label, j, &mut rng)? {
                return Ok(r);
            }
        }
    }
    let mut rng = job_rng(c.seed, Stream::Song, j);
    let accompanied = rng.random_bool(0.85);
    let piece = compose(&mut rng, &[label], SONG_SECONDS, accompanied);
    let audio = match real_backing(c, font, real, &piece, label, j)? {
        Some(backing) => {
            let mut lead = render(font, &piece.channels(|ch| ch == 0), c.sample_rate)?;
            mix_over(&mut lead, &backing.audio, backing.lead_margin_db);
            lead
        }
        None => render(font, &piece, c.sample_rate)?,
    };
    let drums = if piece.drums { "dru" } else { "nod" };
    write_excerpts(c, &audio, label, &format!("[{label}][{drums}][synth]{j:05}__"), &mut rng)?;
    Ok(Rendered { seconds: SONG_SECONDS, real: None })
}

/// A backing played by the pack's recordings.
struct RealBacking {
    audio: Vec<f32>,
    /// How far a rendered lead goes above it: 0–10 dB, as a real lead over a rendered backing.
    lead_margin_db: f32,
}

/// For a `real_backing_share` of the accompanied songs: `piece`'s backing (every channel but the
/// lead's, 0) played by the pack's recordings.
fn real_backing(
    c: &CorpusConfig,
    font: &Arc<SoundFont>,
    real: Option<&RealBank>,
    piece: &Piece,
    label: &'static str,
    j: usize,
) -> anyhow::Result<Option<RealBacking>> {
    let Some(bank) = real.filter(|_| c.real_backing_share > 0.0) else { return Ok(None) };
    // An unaccompanied piece has no chords: render_backing answers None.
    let mut rng = job_rng(c.seed, Stream::RealBacking, j);
    if !rng.random_bool(c.real_backing_share) {
        return Ok(None);
    }
    let backing = render_backing(bank, font, &piece.channels(|ch| ch != 0), &[label], c.sample_rate, &mut rng)?;
    Ok(backing.map(|audio| RealBacking { audio, lead_margin_db: rng.random_range(0.0..10.0f32) }))
}

/// A song whose lead is real: the composed piece's accompaniment rendered with the bank (or, for
/// a `real_backing_share` of them, played by the pack's recordings), the
/// lead from the real recordings, mixed 0–10 dB above it; a third of the songs are solo, as many
/// real recordings are. MIR-1K singing goes over its own backing track at −3–9 dB (plus the
/// rendered accompaniment a third of the time), or alone. MIR-1K was recorded at 16 kHz, so a
/// third of the other real songs are band-limited the same way (resampled through 16 kHz), lest
/// "nothing above 8 kHz" mean "voice". The file names carry the tag `[real]` (training) or
/// `[real-heldout]` (a held-out performer: validation) and the performer.
fn real_song(
    c: &CorpusConfig,
    font: &Arc<SoundFont>,
    bank: &RealBank,
    label: &'static str,
    j: usize,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Option<Rendered>> {
    let accompanied = rng.random_bool(0.67);
    let piece = compose(rng, &[label], SONG_SECONDS, accompanied);
    let Some(lead) = render_lead(bank, label, &piece, c.sample_rate, rng) else { return Ok(None) };
    let mut audio = lead.audio;
    let narrow_band = lead.own_accompaniment.is_some();
    // The piece's accompaniment without its lead (channel 0), rendered with the bank.
    let accompaniment = || render(font, &piece.channels(|ch| ch != 0), c.sample_rate);
    let (mut background, margin) = match lead.own_accompaniment {
        Some(own) if accompanied => {
            let with_rendered = rng.random_bool(0.33);
            let mut bg = own;
            if with_rendered {
                let rendered = accompaniment()?;
                let g = active_rms(&bg) / active_rms(&rendered).max(1e-9) * 0.5;
                bg.iter_mut().zip(&rendered).for_each(|(b, r)| *b += g * r);
            }
            (bg, rng.random_range(-3.0..9.0f32))
        }
        None if accompanied => {
            let margin = rng.random_range(0.0..10.0f32);
            let backing = real_backing(c, font, Some(bank), &piece, label, j)?.map(|b| b.audio);
            (backing.map_or_else(accompaniment, Ok)?, margin)
        }
        _ => (Vec::new(), 0.0),
    };
    background.resize(audio.len(), 0.0);
    mix_over(&mut audio, &background, margin);
    if !narrow_band && rng.random_bool(0.33) {
        audio = through_16k(&audio, c.sample_rate)?;
    }
    let tag = Material::real_tag(lead.held_out);
    write_excerpts(c, &audio, label, &format!("[{label}][{tag}]{}__{j:05}", lead.source_id), rng)?;
    Ok(Some(Rendered { seconds: SONG_SECONDS, real: Some(lead.kind) }))
}

/// A sparse song: a real lead alone ([`render_sparse`]: held notes or a few notes with silences,
/// one layout per excerpt), over a faint noise floor (45–70 dB below it), tagged like the other
/// real songs (`[real]`, or `[real-heldout]` for a held-out performer).
fn sparse_song(
    c: &CorpusConfig,
    bank: &RealBank,
    label: &'static str,
    j: usize,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Option<Rendered>> {
    let Some(lead) = render_sparse(bank, label, EXCERPTS_PER_SONG, EXCERPT_SECONDS, c.sample_rate, rng) else {
        return Ok(None);
    };
    let mut audio = lead.audio;
    noise_floor(&mut audio, rng);
    let tag = Material::real_tag(lead.held_out);
    write_excerpts(c, &audio, label, &format!("[{label}][{tag}]{}__{j:05}", lead.source_id), rng)?;
    Ok(Some(Rendered { seconds: SONG_SECONDS, real: Some(lead.kind) }))
}

/// A sparse song played by a training bank: one of the label's General MIDI programs holding notes
/// in its register, laid out as the recorded ones ([`sparse_layout`]), alone, in a room half of
/// the time, over the same faint noise floor; tagged as the other rendered songs (`[synth]`).
fn rendered_sparse_song(
    c: &CorpusConfig,
    font: &Arc<SoundFont>,
    label: &'static str,
    j: usize,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<Rendered> {
    let program = pick_program(label, rng);
    let (lo, hi) = register(label);
    let notes = sparse_layout(EXCERPTS_PER_SONG, EXCERPT_SECONDS, rng, |r| r.random_range(lo..=hi));
    let piece = solo(rng, label, program, &notes, SONG_SECONDS);
    let mut audio = render(font, &piece, c.sample_rate)?;
    if rng.random_bool(0.5) {
        room(&mut audio, c.sample_rate, rng);
    }
    noise_floor(&mut audio, rng);
    write_excerpts(c, &audio, label, &format!("[{label}][nod][synth]{j:05}__"), rng)?;
    Ok(Rendered { seconds: SONG_SECONDS, real: None })
}

/// A faint noise floor under a lone instrument, 45–70 dB below its active level (no recording is
/// digitally silent between notes).
fn noise_floor(audio: &mut [f32], rng: &mut ChaCha8Rng) {
    let floor = active_rms(audio) * 10f32.powf(-rng.random_range(45.0..70.0f32) / 20.0);
    audio.iter_mut().for_each(|v| *v += floor * rng.random_range(-1.7..1.7f32));
}

/// `x` resampled to 16 kHz and back (the band limit of a 16-kHz recording), at its own length.
fn through_16k(x: &[f32], sample_rate: u32) -> anyhow::Result<Vec<f32>> {
    let mut down = shared::audio::StreamResampler::new(sample_rate, 16_000)?;
    down.push(x)?;
    let mut up = shared::audio::StreamResampler::new(16_000, sample_rate)?;
    up.push(&down.finish()?)?;
    let mut y = up.finish()?;
    y.resize(x.len(), 0.0);
    Ok(y)
}

/// Negative song `k`: nine seconds in which none of the labels plays, cut and degraded as every
/// training song, in the folder `none` (all-zero targets).
pub(super) fn negative_song(
    c: &CorpusConfig,
    fonts: &[Arc<SoundFont>],
    recorded: Option<&RecordedNegatives>,
    weights: &[(NegativeKind, u32)],
    k: usize,
) -> anyhow::Result<Rendered> {
    let mut rng = job_rng(c.seed, Stream::Negative, k);
    let kind = pick_kind(&mut rng, weights);
    let audio = render_negative(kind, &fonts[k % fonts.len()], recorded, SONG_SECONDS, c.sample_rate, &mut rng)?;
    write_excerpts(c, &audio, NO_LABEL_FOLDER, &format!("[none][{kind}]{k:05}__"), &mut rng)?;
    Ok(Rendered { seconds: SONG_SECONDS, real: None })
}

/// One test clip: 5–20 s, one to three predominant labels.
pub(super) fn test_clip(c: &CorpusConfig, fonts: &[Arc<SoundFont>], j: usize) -> anyhow::Result<Rendered> {
    let mut rng = job_rng(c.seed, Stream::TestClip, j);
    let n_leads = match rng.random_range(0..10) {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let mut labels = LABELS.to_vec();
    labels.shuffle(&mut rng);
    labels.truncate(n_leads);
    labels.sort_unstable();
    let seconds = rng.random_range(5.0..20.0f64).round();
    let accompanied = rng.random_bool(0.8);
    let piece = compose(&mut rng, &labels, seconds, accompanied);
    let mut x = render(&fonts[j % fonts.len()], &piece, c.sample_rate)?;
    degrade(&mut x, c.sample_rate, &mut rng);
    let dir = c.out.join("IRMAS-TestingData");
    let stem = format!("synth-{j:05}-{}", labels.join("-"));
    write_wav(&dir.join(format!("{stem}.wav")), &x, c.sample_rate)?;
    std::fs::write(dir.join(format!("{stem}.txt")), labels.join("\n") + "\n")?;
    Ok(Rendered { seconds, real: None })
}
