//! An IRMAS-like corpus: 3-s single-label training excerpts from the training sample banks (and,
//! with a real-recordings bank, leads played by real instruments over the rendered
//! accompaniment), 5–20-s test excerpts with 1–3 predominant instruments from other banks
//! (held-out timbres). What each kind of song is: [`songs`]; what is written: [`io`].
mod io;
mod songs;

use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::labels::LABELS;

pub use io::{write_float_wav, CorpusRecord};

use super::negatives::{kind_weights, KindWeight, RecordedNegatives};
use super::real::{RealBank, SourceKind};
use crate::data::NO_LABEL_FOLDER;

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    #[serde(default)]
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
    /// Kinds of negative drawn more or less often than by default. Recorded only when given, so
    /// earlier corpora read the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub negative_weights: Vec<KindWeight>,
    /// Share (0–1) of training excerpts, of every kind, heard through a random equaliser
    /// ([`super::signal::equalise`]). Recorded only when above 0, as `sparse_share`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub eq_share: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_none_made(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
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
    let weights = kind_weights(&c.negative_weights, recorded.is_some())?;
    std::fs::create_dir_all(c.out.join("IRMAS-TestingData"))?;
    let train_fonts = c.train_banks.iter().map(|p| io::load_font(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let test_fonts = c.test_banks.iter().map(|p| io::load_font(p)).collect::<anyhow::Result<Vec<_>>>()?;
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
    let all: Vec<songs::Rendered> = (0..jobs)
        .into_par_iter()
        .map(|j| {
            let rendered = if j < c.train_songs {
                songs::train_song(c, &train_fonts, real.as_ref(), j)
            } else if j < c.train_songs + c.test_clips {
                songs::test_clip(c, &test_fonts, j - c.train_songs)
            } else {
                songs::negative_song(c, &train_fonts, recorded.as_ref(), &weights, j - c.train_songs - c.test_clips)
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
        negative_files: negative_songs * songs::EXCERPTS_PER_SONG,
        audio_hours: audio_seconds / 3600.0,
        render_seconds,
        hours_per_minute: audio_seconds / 3600.0 / (render_seconds / 60.0),
    };
    CorpusRecord { config: c.clone(), summary: summary.clone() }.write(&c.out)?;
    Ok(summary)
}
