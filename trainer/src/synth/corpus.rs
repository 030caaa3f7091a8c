//! An IRMAS-like corpus: 3-s single-label training excerpts from the training sample banks (and,
//! with a real-recordings bank, leads played by real instruments over the rendered
//! accompaniment), 5–20-s test excerpts with 1–3 predominant instruments from other banks
//! (held-out timbres).
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustysynth::SoundFont;
use serde::Serialize;
use shared::labels::LABELS;

use super::music::{compose, solo, Piece};
use super::negatives::{pick_kind, render_negative, RecordedNegatives};
use super::programs::{pick_program, register};
use super::real::{
    active_rms, mix_over, render_backing, render_lead, render_sparse, room, sparse_layout, RealBank, SourceKind,
};
use super::render::{degrade, render};

/// Seconds of one training song, cut into three 3-s excerpts.
const SONG_SECONDS: f64 = 9.0;
const EXCERPT_SECONDS: f64 = 3.0;
const EXCERPTS_PER_SONG: usize = (SONG_SECONDS / EXCERPT_SECONDS) as usize;
use crate::data::NO_LABEL_FOLDER;

#[derive(Debug, Clone, Serialize)]
pub struct CorpusConfig {
    pub out: PathBuf,
    pub seed: u64,
    /// Training songs (each gives three 3-s excerpts); labels take turns.
    pub train_songs: usize,
    pub test_clips: usize,
    /// The banks of the training split; songs take turns through them.
    pub train_banks: Vec<PathBuf>,
    /// The banks of the test split (never the training bank).
    pub test_banks: Vec<PathBuf>,
    pub sample_rate: u32,
    /// The real-recordings bank (`samples.csv` + audio), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_instruments: Option<PathBuf>,
    /// Share (0–1) of training songs whose lead is played by real recordings.
    pub real_share: f64,
    /// Share (0–1) of training songs that are sparse real material instead: held notes or a few
    /// notes with silences, or a solo phrase, with no accompaniment (needs `real_instruments`).
    /// Recorded in `corpus.json` only when above 0, so earlier corpora read the same.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sparse_share: f64,
    /// Share (0–1) of the sparse songs played by the training banks instead of recorded notes:
    /// the label's General MIDI programs holding notes in its register (organ stops, clean and
    /// distorted guitars, flutes and brass of other makers than the pack's one recording chain).
    /// Recorded only when above 0, as `sparse_share`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sparse_rendered_share: f64,
    /// Share (0–1) of accompanied training songs whose backing is played by the pack's real
    /// recordings ([`render_backing`]: chords, half of the bass lines) instead of the training
    /// banks (needs `real_instruments`). Recorded only when above 0, as `sparse_share`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub real_backing_share: f64,
    /// Negative songs per training song: excerpts in which none of the labels plays (drum kits,
    /// bass lines, programs outside the labels, noises, and the recordings of
    /// `real_negatives`), written to `IRMAS-TrainingData/none/` for all-zero targets. Recorded
    /// only when above 0, as `sparse_share`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub negative_share: f64,
    /// The real negatives pack (`samples.csv` + audio) that negative songs draw recordings from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_negatives: Option<PathBuf>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_none_made(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct CorpusSummary {
    pub train_files: usize,
    /// Training songs with a real lead: all, from recorded notes, from recorded phrases.
    pub real_songs: usize,
    pub real_note_songs: usize,
    pub real_phrase_songs: usize,
    pub test_files: usize,
    /// Negative excerpts (`none`); left out of `corpus.json` when 0, as corpora read before.
    #[serde(skip_serializing_if = "is_none_made")]
    pub negative_files: usize,
    pub audio_hours: f64,
    pub render_seconds: f64,
    pub hours_per_minute: f64,
}

fn job_rng(seed: u64, kind: u64, index: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (kind << 56) ^ index as u64)
}

fn write_wav(path: &Path, x: &[f32], sample_rate: u32) -> anyhow::Result<()> {
    let spec =
        hound::WavSpec { channels: 1, sample_rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).with_context(|| format!("creating {}", path.display()))?;
    for &v in x {
        w.write_sample((v.clamp(-1.0, 1.0) * 32_767.0).round() as i16)?;
    }
    w.finalize()?;
    Ok(())
}

/// `x` as a mono 32-bit float WAV: levels kept as they are, beyond full scale too (the checks
/// that measure the audible floor need the exact level).
pub fn write_float_wav(path: &Path, x: &[f32], sample_rate: u32) -> anyhow::Result<()> {
    let spec =
        hound::WavSpec { channels: 1, sample_rate, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
    let mut w = hound::WavWriter::create(path, spec).with_context(|| format!("creating {}", path.display()))?;
    for &v in x {
        w.write_sample(v)?;
    }
    w.finalize()?;
    Ok(())
}

fn load_font(path: &Path) -> anyhow::Result<Arc<SoundFont>> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening sample bank {}", path.display()))?;
    let font = SoundFont::new(&mut f).map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))?;
    Ok(Arc::new(font))
}

/// What one rendered song was.
#[derive(Debug, Clone, Copy, Default)]
struct Rendered {
    seconds: f64,
    real: Option<SourceKind>,
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
        write_wav(&dir.join(format!("{stem}{}.wav", k + 1)), &x, c.sample_rate)?;
    }
    Ok(())
}

/// One training song: three excerpts of one label, its lead played by a real recording for a
/// `real_share` of the songs (drawn from a stream of its own, so a corpus without real leads is
/// the same as before they existed).
fn train_song(
    c: &CorpusConfig,
    fonts: &[Arc<SoundFont>],
    real: Option<&RealBank>,
    j: usize,
) -> anyhow::Result<Rendered> {
    let label = LABELS[j % LABELS.len()];
    // Banks take turns per round of labels, so every label is heard from every bank.
    let font = &fonts[(j / LABELS.len()) % fonts.len()];
    if let (Some(bank), true) = (real, c.sparse_share > 0.0) {
        // A stream of its own: with a share of 0 no song changes.
        let mut rng = job_rng(c.seed, 4, j);
        if rng.random_bool(c.sparse_share) {
            // Rendered or recorded: a stream of its own again, so a share of 0 changes nothing.
            let mut rendered = job_rng(c.seed, 6, j);
            if c.sparse_rendered_share > 0.0 && rendered.random_bool(c.sparse_rendered_share) {
                return rendered_sparse_song(c, font, label, j, &mut rendered);
            }
            if let Some(r) = sparse_song(c, bank, label, j, &mut rng)? {
                return Ok(r);
            }
        }
    }
    if let Some(bank) = real {
        let mut rng = job_rng(c.seed, 3, j);
        if rng.random_bool(c.real_share) {
            if let Some(r) = real_song(c, font, bank, label, j, &mut rng)? {
                return Ok(r);
            }
        }
    }
    let mut rng = job_rng(c.seed, 1, j);
    let accompanied = rng.random_bool(0.85);
    let piece = compose(&mut rng, &[label], SONG_SECONDS, accompanied);
    let audio = match real_backing(c, font, real, &piece, label, j)? {
        // The rendered lead over the real backing, 0–10 dB above it as a real lead.
        Some((background, mut rng)) => {
            let mut lead = render(font, &piece.channels(|ch| ch == 0), c.sample_rate)?;
            mix_over(&mut lead, &background, rng.random_range(0.0..10.0f32));
            lead
        }
        None => render(font, &piece, c.sample_rate)?,
    };
    let drums = if piece.drums { "dru" } else { "nod" };
    write_excerpts(c, &audio, label, &format!("[{label}][{drums}][synth]{j:05}__"), &mut rng)?;
    Ok(Rendered { seconds: SONG_SECONDS, real: None })
}

/// With a `real_backing_share` of the accompanied songs (drawn on a random stream of its own, so a
/// share of 0 changes no song): `piece`'s backing (every channel but the lead's, 0) played by the
/// pack's recordings, and that stream to draw the rest of the mix from.
fn real_backing(
    c: &CorpusConfig,
    font: &Arc<SoundFont>,
    real: Option<&RealBank>,
    piece: &Piece,
    label: &'static str,
    j: usize,
) -> anyhow::Result<Option<(Vec<f32>, ChaCha8Rng)>> {
    let Some(bank) = real.filter(|_| c.real_backing_share > 0.0) else { return Ok(None) };
    // An unaccompanied piece has no chords: render_backing answers None.
    let mut rng = job_rng(c.seed, 5, j);
    if !rng.random_bool(c.real_backing_share) {
        return Ok(None);
    }
    let backing = render_backing(bank, font, &piece.channels(|ch| ch != 0), &[label], c.sample_rate, &mut rng)?;
    Ok(backing.map(|b| (b, rng)))
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
            let backing = real_backing(c, font, Some(bank), &piece, label, j)?.map(|(b, _)| b);
            (backing.map_or_else(accompaniment, Ok)?, margin)
        }
        _ => (Vec::new(), 0.0),
    };
    background.resize(audio.len(), 0.0);
    mix_over(&mut audio, &background, margin);
    if !narrow_band && rng.random_bool(0.33) {
        audio = through_16k(&audio, c.sample_rate)?;
    }
    let tag = if lead.held_out { "real-heldout" } else { "real" };
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
    let tag = if lead.held_out { "real-heldout" } else { "real" };
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
/// training song, in the folder `none` (all-zero targets). A random stream of its own, so a
/// corpus without negatives is the same as before they existed.
fn negative_song(
    c: &CorpusConfig,
    fonts: &[Arc<SoundFont>],
    recorded: Option<&RecordedNegatives>,
    k: usize,
) -> anyhow::Result<Rendered> {
    let mut rng = job_rng(c.seed, 7, k);
    let kind = pick_kind(&mut rng, recorded.is_some());
    let audio = render_negative(kind, &fonts[k % fonts.len()], recorded, SONG_SECONDS, c.sample_rate, &mut rng)?;
    write_excerpts(c, &audio, NO_LABEL_FOLDER, &format!("[none][{kind}]{k:05}__"), &mut rng)?;
    Ok(Rendered { seconds: SONG_SECONDS, real: None })
}

/// One test clip: 5–20 s, one to three predominant labels.
fn test_clip(c: &CorpusConfig, fonts: &[Arc<SoundFont>], j: usize) -> anyhow::Result<Rendered> {
    let mut rng = job_rng(c.seed, 2, j);
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

/// Renders the whole corpus on all cores and writes `corpus.json` beside it.
pub fn render_corpus(c: &CorpusConfig) -> anyhow::Result<CorpusSummary> {
    anyhow::ensure!(!c.test_banks.is_empty(), "no test sample bank");
    anyhow::ensure!(!c.train_banks.is_empty(), "no training sample bank");
    anyhow::ensure!(
        c.test_banks.iter().all(|t| !c.train_banks.contains(t)),
        "the test banks must not include a training bank"
    );
    for label in LABELS {
        std::fs::create_dir_all(c.out.join("IRMAS-TrainingData").join(label))?;
    }
    anyhow::ensure!(c.negative_share >= 0.0, "the negative share must not be negative, got {}", c.negative_share);
    let negative_songs = (c.train_songs as f64 * c.negative_share).round() as usize;
    if negative_songs > 0 {
        std::fs::create_dir_all(c.out.join("IRMAS-TrainingData").join(NO_LABEL_FOLDER))?;
    }
    let recorded = match &c.real_negatives {
        Some(dir) if negative_songs > 0 => Some(RecordedNegatives::load(dir, c.sample_rate)?),
        _ => None,
    };
    std::fs::create_dir_all(c.out.join("IRMAS-TestingData"))?;
    let train_fonts = c.train_banks.iter().map(|p| load_font(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let test_fonts = c.test_banks.iter().map(|p| load_font(p)).collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(
        (0.0..=1.0).contains(&c.real_share),
        "the real share must be between 0 and 1, got {}",
        c.real_share
    );
    let real = match &c.real_instruments {
        Some(dir) if c.real_share > 0.0 => {
            let started = Instant::now();
            let bank = RealBank::load(dir, c.sample_rate)?;
            tracing::info!(
                sources = bank.sources.len(),
                seconds = started.elapsed().as_secs_f64(),
                "real recordings decoded"
            );
            Some(bank)
        }
        _ => None,
    };
    let jobs = c.train_songs + c.test_clips + negative_songs;
    let bar = ProgressBar::new(jobs as u64).with_message("rendering");
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pieces, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let all: Vec<Rendered> = (0..jobs)
        .into_par_iter()
        .map(|j| {
            let rendered = if j < c.train_songs {
                train_song(c, &train_fonts, real.as_ref(), j)
            } else if j < c.train_songs + c.test_clips {
                test_clip(c, &test_fonts, j - c.train_songs)
            } else {
                negative_song(c, &train_fonts, recorded.as_ref(), j - c.train_songs - c.test_clips)
            };
            bar.inc(1);
            rendered
        })
        .collect::<anyhow::Result<_>>()?;
    bar.finish();
    let audio_seconds: f64 = all.iter().map(|r| r.seconds).sum();
    let real_songs = |kind: Option<SourceKind>| {
        all.iter().filter(|r| r.real.is_some() && (kind.is_none() || r.real == kind)).count()
    };
    let render_seconds = started.elapsed().as_secs_f64();
    let summary = CorpusSummary {
        train_files: c.train_songs * 3,
        real_songs: real_songs(None),
        real_note_songs: real_songs(Some(SourceKind::Notes)),
        real_phrase_songs: real_songs(Some(SourceKind::Phrases)),
        test_files: c.test_clips,
        negative_files: negative_songs * EXCERPTS_PER_SONG,
        audio_hours: audio_seconds / 3600.0,
        render_seconds,
        hours_per_minute: audio_seconds / 3600.0 / (render_seconds / 60.0),
    };
    let record = serde_json::json!({ "config": c, "summary": summary });
    std::fs::write(c.out.join("corpus.json"), serde_json::to_string_pretty(&record)? + "\n")?;
    Ok(summary)
}
