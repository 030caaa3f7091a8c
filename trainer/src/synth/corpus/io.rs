//! What a corpus writes and reads: its 16-bit excerpts and clips, float WAVs where a level must
//! stay exact, the sample banks, and `corpus.json` (its settings and summary), which `trainer
//! synth` writes last and `trainer train` reads.
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustysynth::SoundFont;
use serde::{Deserialize, Serialize};

use super::{CorpusConfig, CorpusSummary};

pub(super) fn write_wav(path: &Path, x: &[f32], sample_rate: u32) -> anyhow::Result<()> {
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

pub(super) fn load_font(path: &Path) -> anyhow::Result<Arc<SoundFont>> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening sample bank {}", path.display()))?;
    let font = SoundFont::new(&mut f).map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))?;
    Ok(Arc::new(font))
}

/// `corpus.json`: how a corpus was rendered and what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorpusRecord {
    pub config: CorpusConfig,
    pub summary: CorpusSummary,
}

impl CorpusRecord {
    pub const FILE: &'static str = "corpus.json";

    pub(super) fn write(&self, dir: &Path) -> anyhow::Result<()> {
        // Through a JSON value, whose keys are sorted, as every corpus.json before.
        let text = serde_json::to_string_pretty(&serde_json::to_value(self)?)? + "\n";
        std::fs::write(dir.join(Self::FILE), text)
            .with_context(|| format!("writing {}", dir.join(Self::FILE).display()))
    }

    /// The record of the corpus that `data` (its folder, or the `IRMAS-TrainingData` in it) was
    /// rendered as; `None` for data that no `trainer synth` made (IRMAS itself).
    pub fn find(data: &Path) -> anyhow::Result<Option<Self>> {
        let candidates = [Some(data.join(Self::FILE)), data.parent().map(|p| p.join(Self::FILE))];
        let Some(path) = candidates.into_iter().flatten().find(|p| p.is_file()) else { return Ok(None) };
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Some(serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?))
    }
}
