//! The real-recordings bank (`../shared/data/real-instruments`): `samples.csv` read, every file
//! decoded once into memory, and the files grouped into *sources* (one label, one kind, one
//! performer or instrument) that a rendered song draws from.
//!
//! The validation split holds out whole performers: for each label with more than one, the
//! smallest (fewest files) is *held out*, so validation on real material measures instruments and
//! players the network never heard, and every label keeps its larger banks for training.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use serde::Deserialize;
use shared::audio::{decode_file, DecodeOptions};
use shared::labels::label_index;

#[derive(Debug, Deserialize)]
struct Row {
    file: String,
    label: String,
    midi: String,
    dynamic: String,
    articulation: String,
    group: String,
    #[serde(default)]
    duration_s: Option<f64>,
}

/// A recording of a held-out performer, as `samples.csv` lists it (nothing decoded).
#[derive(Debug, Clone)]
pub struct HeldOutRecording {
    pub file: String,
    pub label: usize,
    /// Its performer or instrument ([`performer`] of its `group`).
    pub performer: String,
    /// A single note (a MIDI pitch is named) rather than a phrase.
    pub note: bool,
    pub duration_s: f64,
}

/// The recordings of `dir/samples.csv` whose performer the split holds out of training (the
/// same rule as [`RealBank::load`]'s), without decoding them.
pub fn held_out_recordings(dir: &Path) -> anyhow::Result<Vec<HeldOutRecording>> {
    let table = dir.join("samples.csv");
    let mut reader = csv::Reader::from_path(&table).with_context(|| format!("reading {}", table.display()))?;
    let rows: Vec<Row> =
        reader.deserialize().collect::<Result<_, _>>().with_context(|| format!("parsing {}", table.display()))?;
    let mut labelled = Vec::new();
    for r in rows.into_iter().filter(|r| r.articulation != "release" && !r.label.is_empty()) {
        let label = label_index(&r.label).with_context(|| format!("{}: unknown label {:?}", r.file, r.label))?;
        labelled.push((label, performer(&r.group), r));
    }
    let held_out = held_out_performers(labelled.iter().map(|(l, u, _)| (*l, u.clone())));
    Ok(labelled
        .into_iter()
        .filter(|(l, u, _)| held_out.contains(&(*l, u.clone())))
        .map(|(label, performer, r)| HeldOutRecording {
            note: r.midi.parse::<u8>().is_ok(),
            duration_s: r.duration_s.unwrap_or(0.0),
            file: r.file,
            label,
            performer,
        })
        .collect())
}

/// One decoded recording.
#[derive(Debug)]
pub struct Sample {
    pub file: String,
    /// MIDI pitch where the source names it (notes, and UTAU syllables sung on one note).
    pub midi: Option<u8>,
    /// Loudness rank 0 (pp) … 5 (ff); 3 where the source names none.
    pub dynamic: u8,
    pub audio: Vec<f32>,
}

/// What a source plays: single notes a sampler strings into melodies, or recorded passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Notes,
    Phrases,
}

/// A set of recordings of one label from one performer or instrument: what one rendered song uses.
#[derive(Debug)]
pub struct Source {
    pub label: usize,
    pub kind: SourceKind,
    /// The performer or instrument ([`performer`] of the rows' `group`).
    pub id: String,
    /// Rendered only into the validation split (see the module's documentation).
    pub held_out: bool,
    pub samples: Vec<Sample>,
    /// For MIR-1K songs: the backing track recorded with each phrase (same index), if any.
    pub accompaniment: Vec<Option<Vec<f32>>>,
}

#[derive(Debug)]
pub struct RealBank {
    pub sources: Vec<Source>,
}

/// Loudness rank of a `dynamic` cell (`pp`…`ff`, velocity layers `vl1`…`vl5`, `v10` of 16).
pub fn dynamic_rank(cell: &str) -> u8 {
    match cell {
        "pp" | "vl1" => 0,
        "p" => 1,
        "mp" | "vl2" => 2,
        "vl3" => 3,
        "f" | "vl4" => 4,
        "ff" | "vl5" => 5,
        _ => 3, // mf, v10 (of 16), crescendi, unnamed
    }
}

/// The performer or instrument of a `group` cell, the unit kept on one side of the split (the
/// pack's README): a MIR-1K singer (`mir1k-<singer>-<song>_<clip>` → `mir1k-<singer>`), and one
/// Shinyguitar for its microphone (acoustic) and pickup (electric) recordings.
pub fn performer(group: &str) -> String {
    if let Some(rest) = group.strip_prefix("mir1k-") {
        return format!("mir1k-{}", rest.split('-').next().unwrap_or(rest));
    }
    match group {
        "karoryfer-shinyguitar-mic" | "karoryfer-shinyguitar-pickup" => "karoryfer-shinyguitar".into(),
        g => g.to_string(),
    }
}

/// The performer held out of training for each label: its smallest by file count, where the label
/// has more than one. Ties go to the first name.
fn held_out_performers(rows: impl Iterator<Item = (usize, String)>) -> std::collections::HashSet<(usize, String)> {
    let mut files: BTreeMap<usize, BTreeMap<String, usize>> = BTreeMap::new();
    for (label, unit) in rows {
        *files.entry(label).or_default().entry(unit).or_default() += 1;
    }
    files
        .into_iter()
        .filter(|(_, units)| units.len() > 1)
        .filter_map(|(label, units)| units.into_iter().min_by_key(|(_, n)| *n).map(|(u, _)| (label, u)))
        .collect()
}

/// The accompaniment file recorded with a MIR-1K voice file: same name under `accompaniment/`.
pub fn accompaniment_path(file: &str) -> Option<String> {
    let name = file.rsplit('/').next()?;
    name.starts_with("mir1k__").then(|| format!("audio/accompaniment/{name}"))
}

impl RealBank {
    /// Reads `dir/samples.csv` and decodes every file at `sample_rate` on all cores. G-Town
    /// `release` rows (the church's reverb tail after a key is let go) are no notes and are left out.
    pub fn load(dir: &Path, sample_rate: u32) -> anyhow::Result<Self> {
        let table = dir.join("samples.csv");
        let mut reader = csv::Reader::from_path(&table).with_context(|| format!("reading {}", table.display()))?;
        let rows: Vec<Row> =
            reader.deserialize().collect::<Result<_, _>>().with_context(|| format!("parsing {}", table.display()))?;
        let rows: Vec<Row> = rows.into_iter().filter(|r| r.articulation != "release").collect();
        let decode = |file: &str| -> anyhow::Result<Vec<f32>> {
            let d = decode_file(&dir.join(file), sample_rate, &DecodeOptions::default())
                .with_context(|| format!("decoding {file}"))?;
            Ok(d.samples)
        };
        // Every file once, in parallel: the labelled rows and the accompaniments they name.
        let mut files: Vec<String> = rows.iter().filter(|r| !r.label.is_empty()).map(|r| r.file.clone()).collect();
        files.extend(rows.iter().filter(|r| !r.label.is_empty()).filter_map(|r| accompaniment_path(&r.file)));
        let known: std::collections::HashSet<&str> = rows.iter().map(|r| r.file.as_str()).collect();
        files.retain(|f| known.contains(f.as_str()));
        files.sort();
        files.dedup();
        let audio = decode_all(&files, &decode)?;

        let mut labelled = Vec::new();
        for r in rows.iter().filter(|r| !r.label.is_empty()) {
            let label = label_index(&r.label).with_context(|| format!("{}: unknown label {:?}", r.file, r.label))?;
            labelled.push((label, performer(&r.group), r));
        }
        let held_out = held_out_performers(labelled.iter().map(|(l, u, _)| (*l, u.clone())));
        let mut by_source: BTreeMap<(usize, SourceKind, String), Vec<&Row>> = BTreeMap::new();
        for (label, unit, r) in labelled {
            let kind = if r.midi.parse::<u8>().is_ok() { SourceKind::Notes } else { SourceKind::Phrases };
            by_source.entry((label, kind, unit)).or_default().push(r);
        }
        let mut sources = Vec::new();
        for ((label, kind, id), rows) in by_source {
            let take = |f: &str| audio.get(f).cloned();
            let mut source = Source {
                label,
                kind,
                held_out: held_out.contains(&(label, id.clone())),
                id,
                samples: Vec::new(),
                accompaniment: Vec::new(),
            };
            for r in rows {
                source.samples.push(Sample {
                    file: r.file.clone(),
                    midi: r.midi.parse().ok(),
                    dynamic: dynamic_rank(&r.dynamic),
                    audio: take(&r.file).with_context(|| format!("{} was not decoded", r.file))?,
                });
                source.accompaniment.push(accompaniment_path(&r.file).and_then(|a| take(&a)));
            }
            sources.push(source);
        }
        anyhow::ensure!(!sources.is_empty(), "{}: no labelled recordings", table.display());
        Ok(Self { sources })
    }

    /// The sources of one label, optionally of one kind.
    pub fn sources_of(&self, label: usize, kind: Option<SourceKind>) -> Vec<&Source> {
        self.sources.iter().filter(|s| s.label == label && kind.is_none_or(|k| s.kind == k)).collect()
    }
}

fn decode_all(
    files: &[String],
    decode: &(dyn Fn(&str) -> anyhow::Result<Vec<f32>> + Sync),
) -> anyhow::Result<HashMap<String, Vec<f32>>> {
    files.par_iter().map(|f| Ok((f.clone(), decode(f)?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamics_are_ranked_from_soft_to_loud() {
        assert!(dynamic_rank("pp") < dynamic_rank("p"));
        assert!(dynamic_rank("p") < dynamic_rank("mf"));
        assert!(dynamic_rank("mf") < dynamic_rank("ff"));
        assert_eq!(dynamic_rank("vl5"), dynamic_rank("ff"));
        assert_eq!(dynamic_rank(""), 3);
    }

    #[test]
    fn a_singer_and_a_guitar_are_one_performer() {
        assert_eq!(performer("mir1k-ariel-1_02"), "mir1k-ariel");
        assert_eq!(performer("mir1k-Ani-4_09"), "mir1k-Ani");
        assert_eq!(performer("karoryfer-shinyguitar-mic"), performer("karoryfer-shinyguitar-pickup"));
        assert_eq!(performer("philharmonia-violin"), "philharmonia-violin");
    }

    #[test]
    fn the_smallest_performer_of_each_label_is_held_out() {
        let rows = [(0, "big", 5), (0, "small", 2), (1, "only", 9), (2, "a", 3), (2, "b", 3)];
        let held = held_out_performers(rows.iter().flat_map(|(l, u, n)| std::iter::repeat_n((*l, u.to_string()), *n)));
        let mut held: Vec<_> = held.into_iter().collect();
        held.sort();
        assert_eq!(held, vec![(0, "small".to_string()), (2, "a".to_string())], "a label with one performer keeps it");
    }

    #[test]
    fn mir1k_voice_files_name_their_accompaniment() {
        assert_eq!(
            accompaniment_path("audio/voi/mir1k__Ani_1_02.ogg").as_deref(),
            Some("audio/accompaniment/mir1k__Ani_1_02.ogg")
        );
        assert_eq!(accompaniment_path("audio/voi/utau-kumi__A3-ai_z.ogg"), None);
    }
}
