//! An IRMAS-like corpus: 3-s single-label training excerpts from the training sample banks, 5–20-s test
//! excerpts with 1–3 predominant instruments from other banks (held-out timbres).
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustysynth::SoundFont;
use serde::Serialize;
use shared::labels::LABELS;

use super::music::compose;
use super::render::{degrade, render};

/// Seconds of one training song, cut into three 3-s excerpts.
const SONG_SECONDS: f64 = 9.0;
const EXCERPT_SECONDS: f64 = 3.0;

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
}

#[derive(Debug, Clone, Serialize)]
pub struct CorpusSummary {
    pub train_files: usize,
    pub test_files: usize,
    pub audio_hours: f64,
    pub render_seconds: f64,
    pub hours_per_minute: f64,
}

fn job_rng(seed: u64, kind: u64, index: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (kind << 56) ^ index as u64)
}

fn write_wav(path: &Path, x: &[f32], sample_rate: u32) -> anyhow::Result<()> {
    let spec = hound::WavSpec { channels: 1, sample_rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).with_context(|| format!("creating {}", path.display()))?;
    for &v in x {
        w.write_sample((v.clamp(-1.0, 1.0) * 32_767.0).round() as i16)?;
    }
    w.finalize()?;
    Ok(())
}

fn load_font(path: &Path) -> anyhow::Result<Arc<SoundFont>> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening sample bank {}", path.display()))?;
    let font = SoundFont::new(&mut f).map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))?;
    Ok(Arc::new(font))
}

/// One training song: three excerpts of one label.
fn train_song(c: &CorpusConfig, fonts: &[Arc<SoundFont>], j: usize) -> anyhow::Result<f64> {
    let label = LABELS[j % LABELS.len()];
    let mut rng = job_rng(c.seed, 1, j);
    let accompanied = rng.random_bool(0.85);
    let piece = compose(&mut rng, &[label], SONG_SECONDS, accompanied);
    // Banks take turns per round of labels, so every label is heard from every bank.
    let font = &fonts[(j / LABELS.len()) % fonts.len()];
    let audio = render(font, &piece, c.sample_rate)?;
    let dir = c.out.join("IRMAS-TrainingData").join(label);
    let n = (EXCERPT_SECONDS * c.sample_rate as f64) as usize;
    let drums = if piece.drums { "dru" } else { "nod" };
    for (k, chunk) in audio.chunks_exact(n).enumerate() {
        let mut x = chunk.to_vec();
        degrade(&mut x, c.sample_rate, &mut rng);
        write_wav(&dir.join(format!("[{label}][{drums}][synth]{j:05}__{}.wav", k + 1)), &x, c.sample_rate)?;
    }
    Ok(SONG_SECONDS)
}

/// One test clip: 5–20 s, one to three predominant labels.
fn test_clip(c: &CorpusConfig, fonts: &[Arc<SoundFont>], j: usize) -> anyhow::Result<f64> {
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
    Ok(seconds)
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
    std::fs::create_dir_all(c.out.join("IRMAS-TestingData"))?;
    let train_fonts = c.train_banks.iter().map(|p| load_font(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let test_fonts = c.test_banks.iter().map(|p| load_font(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let jobs = c.train_songs + c.test_clips;
    let bar = ProgressBar::new(jobs as u64).with_message("rendering");
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pieces, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results: Vec<anyhow::Result<f64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut seconds = 0.0;
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        if j >= jobs {
                            break Ok(seconds);
                        }
                        seconds += if j < c.train_songs {
                            train_song(c, &train_fonts, j)?
                        } else {
                            test_clip(c, &test_fonts, j - c.train_songs)?
                        };
                        bar.inc(1);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a render worker panicked")))).collect()
    });
    bar.finish();
    let mut audio_seconds = 0.0;
    for r in results {
        audio_seconds += r?;
    }
    let render_seconds = started.elapsed().as_secs_f64();
    let summary = CorpusSummary {
        train_files: c.train_songs * 3,
        test_files: c.test_clips,
        audio_hours: audio_seconds / 3600.0,
        render_seconds,
        hours_per_minute: audio_seconds / 3600.0 / (render_seconds / 60.0),
    };
    let record = serde_json::json!({ "config": c, "summary": summary });
    std::fs::write(c.out.join("corpus.json"), serde_json::to_string_pretty(&record)? + "\n")?;
    Ok(summary)
}
