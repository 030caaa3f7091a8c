//! `trainer synth`: the layout it writes, held-out banks, and the same corpus for the same seed.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use shared::manifest::sha256_hex;

fn synth(out: &Path, seed: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_trainer"))
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
fn same_seed_same_corpus_in_the_irmas_layout() {
    let root = std::env::temp_dir().join(format!("synth-corpus-{}", std::process::id()));
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

    let corpus: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a.join("corpus.json")).unwrap()).unwrap();
    assert_ne!(corpus["config"]["train_banks"][0], corpus["config"]["test_banks"][0]);
    std::fs::remove_dir_all(&root).ok();
}
