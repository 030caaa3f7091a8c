//! The IRMAS layout: `IRMAS-TrainingData/<label>/*.wav` (3-s single-label excerpts) and test
//! folders of `*.wav` with a same-named `.txt` listing the labels, one per line.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use shared::labels::label_index;

/// The training folder of excerpts in which none of the labels plays (all-zero targets).
pub const NO_LABEL_FOLDER: &str = "none";

/// What an IRMAS training file name says, e.g. `[cel][nod][cla]0058__1.wav` or
/// `008__[gel][dru][pop_roc]0123__3.wav`: the instrument, the drum tag, the genre, and the
/// recording the excerpt was cut from (the name without its `__N` excerpt number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingName {
    pub instrument: String,
    pub drums: Option<bool>,
    pub genre: Option<String>,
    pub song: String,
}

/// Parses a training file name. Tags that are not the instrument are kept apart: the genre
/// `[cla]` (classical) is not the label `cla` (clarinet); only the first tag is the label.
pub fn parse_training_name(file_name: &str) -> Option<TrainingName> {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let mut tags = Vec::new();
    let mut rest = stem;
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']')? + open;
        tags.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    let instrument = (*tags.first()?).to_string();
    let mut drums = None;
    let mut genre = None;
    for t in &tags[1..] {
        match *t {
            "dru" => drums = Some(true),
            "nod" => drums = Some(false),
            g => genre = Some(g.to_string()),
        }
    }
    // The recording: the name without the trailing excerpt number `__N`.
    let song = match stem.rsplit_once("__") {
        Some((head, tail)) if !head.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) => head,
        _ => stem,
    };
    Some(TrainingName { instrument, drums, genre, song: song.to_string() })
}

/// One training excerpt.
#[derive(Debug, Clone)]
pub struct TrainingClip {
    pub path: PathBuf,
    /// The label, or `None` for an excerpt in which none of the labels plays (folder `none`).
    pub label: Option<usize>,
    /// Recording id: excerpts of one recording stay on one side of the split.
    pub song: String,
    pub material: Material,
}

/// What played a training excerpt's lead, from its genre tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Material {
    /// Anything not tagged as real: IRMAS itself, or a General MIDI render (`[synth]`).
    Rendered,
    /// A real recording (`trainer synth --real-instruments`: `[real]`); always trained on.
    Real,
    /// A real recording of a performer held out of training (`[real-heldout]`); always validation.
    RealHeldOut,
}

impl Material {
    /// The genre tag of a real lead's file names: `[real]`, or `[real-heldout]` for a held-out
    /// performer.
    pub fn real_tag(held_out: bool) -> &'static str {
        if held_out {
            "real-heldout"
        } else {
            "real"
        }
    }

    fn of_genre(genre: Option<&str>) -> Self {
        match genre {
            Some(g) if g == Self::real_tag(false) => Self::Real,
            Some(g) if g == Self::real_tag(true) => Self::RealHeldOut,
            _ => Self::Rendered,
        }
    }

    pub fn is_real(self) -> bool {
        self != Self::Rendered
    }
}

/// One test recording with its labels.
#[derive(Debug, Clone)]
pub struct TestClip {
    pub path: PathBuf,
    pub labels: Vec<usize>,
}

fn sorted_entries(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    v.sort();
    Ok(v)
}

fn is_wav(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}

/// Lists `<root>/<label>/*.wav` (root is `IRMAS-TrainingData` or a folder containing it). The
/// folder names the label, or is `none` for excerpts in which none of the labels plays; other
/// folders are refused.
pub fn list_training(root: &Path) -> anyhow::Result<Vec<TrainingClip>> {
    let root =
        if root.join("IRMAS-TrainingData").is_dir() { root.join("IRMAS-TrainingData") } else { root.to_path_buf() };
    let mut clips = Vec::new();
    for dir in sorted_entries(&root)?.into_iter().filter(|p| p.is_dir()) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let label = match label_index(&name) {
            Some(l) => Some(l),
            None if name == NO_LABEL_FOLDER => None,
            None => {
                bail!("{}: folder {name:?} is neither one of the 11 labels nor {NO_LABEL_FOLDER:?}", root.display())
            }
        };
        for path in sorted_entries(&dir)?.into_iter().filter(|p| is_wav(p)) {
            let file = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let parsed = parse_training_name(file);
            let song = parsed.as_ref().map_or_else(|| format!("{name}/{file}"), |n| format!("{name}/{}", n.song));
            let material = Material::of_genre(parsed.as_ref().and_then(|n| n.genre.as_deref()));
            clips.push(TrainingClip { path, label, song, material });
        }
    }
    if clips.is_empty() {
        bail!("no training clips under {}", root.display());
    }
    Ok(clips)
}

/// The training excerpts of a rendered corpus led by one of the pack's held-out performers (never
/// trained on), as (path from the corpus folder, label): the held-out performers' set.
pub fn held_out_performers(corpus: &Path) -> anyhow::Result<Vec<(String, &'static str)>> {
    let mut rows = Vec::new();
    for clip in list_training(corpus)? {
        let (Material::RealHeldOut, Some(label)) = (clip.material, clip.label) else { continue };
        let file =
            clip.path.strip_prefix(corpus).with_context(|| format!("{} outside its corpus", clip.path.display()))?;
        rows.push((file.to_string_lossy().into_owned(), shared::labels::LABELS[label]));
    }
    Ok(rows)
}

/// Reads an IRMAS test label file: label codes separated by whitespace (one per line).
pub fn read_test_labels(path: &Path) -> anyhow::Result<Vec<usize>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut labels: Vec<usize> = text
        .split_whitespace()
        .map(|code| label_index(code).with_context(|| format!("{}: unknown label {code:?}", path.display())))
        .collect::<anyhow::Result<_>>()?;
    labels.sort_unstable();
    labels.dedup();
    Ok(labels)
}

/// Lists every `*.wav` with a `.txt` beside it under `root` (recursively).
pub fn list_testing(root: &Path) -> anyhow::Result<Vec<TestClip>> {
    let mut clips = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for path in sorted_entries(&dir)? {
            if path.is_dir() {
                stack.push(path);
            } else if is_wav(&path) && path.with_extension("txt").is_file() {
                let labels = read_test_labels(&path.with_extension("txt"))?;
                clips.push(TestClip { path, labels });
            }
        }
    }
    clips.sort_by(|a, b| a.path.cmp(&b.path));
    if clips.is_empty() {
        bail!("no test clips (*.wav with a .txt beside it) under {}", root.display());
    }
    Ok(clips)
}

/// Lists the clips of a labels table (`file,labels,…` with labels separated by `;`, as
/// `../shared/eval/real-dev/labels.csv`); files are relative to the table's folder.
pub fn list_from_csv(table: &Path) -> anyhow::Result<Vec<TestClip>> {
    let dir = table.parent().unwrap_or(Path::new("."));
    let mut reader = csv::Reader::from_path(table).with_context(|| format!("reading {}", table.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| format!("{}: no {name:?} column", table.display()))
    };
    let (file_col, labels_col) = (column("file")?, column("labels")?);
    let mut clips = Vec::new();
    for row in reader.records() {
        let row = row?;
        let codes = row.get(labels_col).unwrap_or_default();
        let mut labels: Vec<usize> = codes
            .split(';')
            .filter(|c| !c.trim().is_empty())
            .map(|c| label_index(c.trim()).with_context(|| format!("{}: unknown label {c:?}", table.display())))
            .collect::<anyhow::Result<_>>()?;
        labels.sort_unstable();
        clips.push(TestClip { path: dir.join(row.get(file_col).unwrap_or_default()), labels });
    }
    anyhow::ensure!(!clips.is_empty(), "{} lists no clips", table.display());
    Ok(clips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_irmas_training_names() {
        let n = parse_training_name("[cla][cla]0189__2.wav").unwrap();
        assert_eq!(n.instrument, "cla");
        assert_eq!(n.genre.as_deref(), Some("cla"));
        assert_eq!(n.drums, None);
        assert_eq!(n.song, "[cla][cla]0189");

        let n = parse_training_name("008__[gel][dru][pop_roc]0123__3.wav").unwrap();
        assert_eq!((n.instrument.as_str(), n.drums, n.genre.as_deref()), ("gel", Some(true), Some("pop_roc")));
        assert_eq!(n.song, "008__[gel][dru][pop_roc]0123");

        let n = parse_training_name("[voi][nod][jaz_blu]2100__1.wav").unwrap();
        assert_eq!((n.drums, n.genre.as_deref()), (Some(false), Some("jaz_blu")));

        assert!(parse_training_name("no_tags.wav").is_none());
        assert!(parse_training_name("[unclosed.wav").is_none());
    }

    #[test]
    fn excerpts_of_one_recording_share_a_song_id() {
        let a = parse_training_name("[pia][nod][cla]0001__1.wav").unwrap();
        let b = parse_training_name("[pia][nod][cla]0001__3.wav").unwrap();
        let c = parse_training_name("[pia][nod][cla]0002__1.wav").unwrap();
        assert_eq!(a.song, b.song);
        assert_ne!(a.song, c.song);
    }

    #[test]
    fn real_dev_labels_table() {
        let table = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/real-dev/labels.csv");
        let clips = list_from_csv(&table).unwrap();
        assert_eq!(clips.len(), 44);
        assert!(clips.iter().all(|c| c.path.exists() && !c.labels.is_empty()));
        let mix = clips.iter().find(|c| c.path.ends_with("irmas__02_-_And_The_Body_Will_Die-8.wav")).unwrap();
        assert_eq!(mix.labels, vec![label_index("gel").unwrap(), label_index("voi").unwrap()]);
    }

    #[test]
    fn the_real_irmas_clip_of_real_dev_parses() {
        // ../shared/eval/real-dev/irmas__cla_cla_0189__2.wav comes from
        // IRMAS-TrainingData/cla/[cla][cla]0189__2.wav (labels.csv, mirdata_path).
        let labels = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/real-dev/labels.csv"),
        )
        .expect("../shared/eval/real-dev/labels.csv beside the checkout");
        let row = labels.lines().find(|l| l.starts_with("irmas__cla_cla_0189__2.wav")).unwrap();
        let original = row.split(',').find(|f| f.contains("IRMAS-TrainingData")).unwrap();
        let file = original.rsplit('/').next().unwrap();
        let n = parse_training_name(file).unwrap();
        assert_eq!(n.instrument, "cla");
        assert!(label_index(&n.instrument).is_some());
    }
}
