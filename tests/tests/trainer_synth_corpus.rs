//! `trainer synth`: the layout it writes, held-out banks, and the same corpus for the same seed.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use shared::manifest::sha256_hex;

fn synth(out: &Path, seed: &str) {
    let status = Command::new(e2e::binary("trainer"))
        .args(["synth", "--out", out.to_str().unwrap(), "--seed", seed, "--hours", "0.01", "--test-clips", "3"])
        .status()
        .unwrap();
    assert!(status.success());
}

/// sha256 of every file under `dir` (relative path → hash), corpus.json left out (it has timings).
fn checksums(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "corpus.json" {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), sha256_hex(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
#[ignore = "needs the SoundFonts (scripts/install-soundfonts.sh)"]
fn same_seed_same_corpus_in_the_irmas_layout() {
    let root = e2e::scratch_dir("synth-corpus");
    let (a, b, c) = (root.join("a"), root.join("b"), root.join("c"));
    synth(&a, "11");
    synth(&b, "11");
    synth(&c, "12");
    let (sa, sb, sc) = (checksums(&a), checksums(&b), checksums(&c));
    assert_eq!(sa, sb, "same seed, different corpus");
    assert_ne!(sa, sc, "different seeds, same corpus");

    // 0.01 h = 4 songs × 3 excerpts of 3 s, labels taking turns; 3 test clips with label files.
    let train: Vec<_> = sa.keys().filter(|k| k.starts_with("IRMAS-TrainingData/")).collect();
    assert_eq!(train.len(), 12, "{train:?}");
    assert!(train.iter().any(|k| k.starts_with("IRMAS-TrainingData/cel/[cel][")));
    let clips = trainer::data::list_training(&a).unwrap();
    assert_eq!(clips.len(), 12);
    let songs: std::collections::BTreeSet<_> = clips.iter().map(|c| c.song.clone()).collect();
    assert_eq!(songs.len(), 4, "three excerpts per song share its id");
    let tests = trainer::data::list_testing(&a.join("IRMAS-TestingData")).unwrap();
    assert_eq!(tests.len(), 3);
    assert!(tests.iter().all(|t| (1..=3).contains(&t.labels.len())));
    let d = shared::audio::decode_file(&clips[0].path, 22_050, &Default::default()).unwrap();
    assert!((d.duration_seconds() - 3.0).abs() < 1e-9);
    assert!(d.samples.iter().any(|&v| v.abs() > 0.01), "an excerpt is silent");

    let corpus: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("corpus.json")).unwrap()).unwrap();
    assert_ne!(corpus["config"]["train_banks"][0], corpus["config"]["test_banks"][0]);
    std::fs::remove_dir_all(&root).ok();
}

/// The project's real-recordings pack, beside the checkout.
fn real_instruments() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/real-instruments")
}

fn synth_real(out: &Path, share: &str) {
    synth_real_with(out, share, "0", "0", "0");
}

fn synth_real_with(out: &Path, share: &str, sparse: &str, backing: &str, rendered: &str) {
    let status = Command::new(e2e::binary("trainer"))
        .args(["synth", "--out", out.to_str().unwrap(), "--seed", "5", "--hours", "0.06", "--test-clips", "2"])
        .arg("--real-instruments")
        .arg(real_instruments())
        .args(["--real-share", share, "--sparse-share", sparse, "--real-backing-share", backing])
        .args(["--sparse-rendered-share", rendered])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
#[ignore = "needs the SoundFonts (scripts/install-soundfonts.sh)"]
fn real_leads_are_tagged_deterministic_and_split_by_performer() {
    let root = e2e::scratch_dir("synth-real");
    let (a, b, none) = (root.join("a"), root.join("b"), root.join("none"));
    synth_real(&a, "0.8");
    synth_real(&b, "0.8");
    synth_real(&none, "0");
    let (sa, sb) = (checksums(&a), checksums(&b));
    assert_eq!(sa, sb, "same seed and share, different corpus");

    // 0.06 h = 24 songs; with a share of 0.8 most have a real lead, named with its performer.
    let corpus: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("corpus.json")).unwrap()).unwrap();
    let real_songs = corpus["summary"]["real_songs"].as_u64().unwrap();
    assert!((12..=24).contains(&real_songs), "{real_songs} real songs of 24");
    assert_eq!(
        corpus["summary"]["real_note_songs"].as_u64().unwrap()
            + corpus["summary"]["real_phrase_songs"].as_u64().unwrap(),
        real_songs
    );
    let clips = trainer::data::list_training(&a).unwrap();
    let real: Vec<_> = clips.iter().filter(|c| c.material.is_real()).collect();
    assert_eq!(real.len() as u64, 3 * real_songs);
    assert!(real.iter().all(|c| c.path.to_string_lossy().contains("[real")));
    for c in &real {
        let d = shared::audio::decode_file(&c.path, 22_050, &Default::default()).unwrap();
        assert!((d.duration_seconds() - 3.0).abs() < 1e-9);
        assert!(
            d.samples.iter().all(|v| v.is_finite()) && d.samples.iter().any(|&v| v.abs() > 0.01),
            "{}",
            c.path.display()
        );
    }

    // No performer on both sides of the split; held-out performers are all validation.
    let (train, val) = trainer::data::TrainingData::split_of(&clips, 0.15, 5);
    let performer = |i: usize| clips[i].song.rsplit(']').next().unwrap().to_string();
    let trained: std::collections::BTreeSet<_> =
        train.iter().filter(|&&i| clips[i].material.is_real()).map(|&i| performer(i)).collect();
    assert!(val.iter().filter(|&&i| clips[i].material.is_real()).all(|&i| !trained.contains(&performer(i))));
    assert!(val.iter().all(|&i| clips[i].material != trainer::data::Material::Real));

    // A share of 0 is the General MIDI corpus alone.
    let c0 = trainer::data::list_training(&none).unwrap();
    assert!(c0.iter().all(|c| !c.material.is_real()));

    // Sparse material (held notes, notes with silences, solo phrases) replaces half the songs;
    // every excerpt still sounds, and a corpus without it records nothing new.
    let sparse = root.join("sparse");
    synth_real_with(&sparse, "0.8", "0.5", "0", "0");
    assert_ne!(checksums(&sparse), sa, "a sparse share changed nothing");
    let config = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("corpus.json")).unwrap()).unwrap()
    };
    assert_eq!(config(&sparse)["config"]["sparse_share"], 0.5);
    assert!(config(&a)["config"].get("sparse_share").is_none());
    let sparse_clips = trainer::data::list_training(&sparse).unwrap();
    for c in sparse_clips.iter().filter(|c| c.material.is_real()) {
        let d = shared::audio::decode_file(&c.path, 22_050, &Default::default()).unwrap();
        assert!(d.samples.iter().any(|&v| v.abs() > 0.01), "{} is silent", c.path.display());
    }

    // Sparse songs played by the training banks: the same songs drawn sparse, now rendered
    // (`[nod][synth]`, no real lead), the other songs untouched; every excerpt sounds.
    let rendered = root.join("rendered");
    synth_real_with(&rendered, "0.8", "0.5", "0", "1");
    assert_eq!(config(&rendered)["config"]["sparse_rendered_share"], 1.0);
    assert!(config(&sparse)["config"].get("sparse_rendered_share").is_none());
    let rendered_clips = trainer::data::list_training(&rendered).unwrap();
    let real_of = |clips: &[trainer::data::TrainingClip]| clips.iter().filter(|c| c.material.is_real()).count();
    let now_rendered = real_of(&sparse_clips) - real_of(&rendered_clips);
    assert!(now_rendered >= 9, "only {now_rendered} sparse excerpts rendered by the banks");
    let (srendered, ssparse) = (checksums(&rendered), checksums(&sparse));
    let new: Vec<_> = srendered.keys().filter(|k| !ssparse.contains_key(*k)).collect();
    assert_eq!(new.len(), now_rendered, "{new:?}");
    assert!(new.iter().all(|k| k.contains("[nod][synth]")), "{new:?}");
    let changed: Vec<_> = srendered.iter().filter(|(k, v)| ssparse.get(*k).is_some_and(|s| s != *v)).collect();
    assert!(changed.is_empty(), "songs that are not sparse changed: {changed:?}");
    for c in rendered_clips.iter().filter(|c| c.path.to_string_lossy().contains("[nod][synth]")) {
        let d = shared::audio::decode_file(&c.path, 22_050, &Default::default()).unwrap();
        assert!(d.samples.iter().any(|&v| v.abs() > 0.01), "{} is silent", c.path.display());
    }

    // Real backing tracks: the same songs and labels (the backing has a random stream of its
    // own), other audio, recorded in corpus.json; every excerpt sounds and stays in range.
    let backed = root.join("backed");
    synth_real_with(&backed, "0.8", "0", "1", "0");
    let sbacked = checksums(&backed);
    assert_eq!(sbacked.keys().collect::<Vec<_>>(), sa.keys().collect::<Vec<_>>(), "the backing moved songs or labels");
    let changed = sa.iter().filter(|(k, v)| k.starts_with("IRMAS-TrainingData/") && sbacked[*k] != **v).count();
    assert!(changed >= 30, "only {changed} of 72 training excerpts have a new backing");
    assert_eq!(config(&backed)["config"]["real_backing_share"], 1.0);
    assert!(config(&a)["config"].get("real_backing_share").is_none());
    for c in trainer::data::list_training(&backed).unwrap() {
        let d = shared::audio::decode_file(&c.path, 22_050, &Default::default()).unwrap();
        assert!(d.samples.iter().any(|&v| v.abs() > 0.01), "{} is silent", c.path.display());
    }
    std::fs::remove_dir_all(&root).ok();
}
