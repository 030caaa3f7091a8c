//! What the default model must get right on the two visible real sets, checked on the answers of
//! the running server and of `server recognize`: the exact clip count, fixed floors on LRAP, micro
//! F1 and macro F1 (over the labels the set contains) computed here from `labels.csv`, and clips
//! whose top instrument must be the true one.
//!
//! The floors are the default model's own figures (irmas-real-v8 as served: real-dev 0.711 micro,
//! 0.671 macro, 0.854 LRAP; real-dev-2 0.778, 0.802, 0.892) less 0.03, rounded down. Why 0.03: on
//! real-dev one clip's label moves micro F1 by about 0.01 and macro F1 by up to 0.02, and the
//! bf16 and int8 exports, which run other kernels on other CPUs, moved it by up to 0.0065;
//! irmas-real-v5, two defaults back, falls below on five of the six figures (real-dev 0.648 /
//! 0.634 / 0.795, real-dev-2 0.727 / 0.770 / 0.855). When a new default model lands, these move
//! with it in the same commit.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;
use shared::labels::{LABELS, N_LABELS};

/// A visible real set and the floors the served model must reach on it.
#[derive(Debug, Clone, Copy)]
pub struct RealSet {
    /// The folder beside `real-dev` (`../shared/eval/<name>`).
    pub name: &'static str,
    pub clips: usize,
    pub micro_f1: f64,
    pub macro_present_f1: f64,
    pub lrap: f64,
}

pub const REAL_DEV: RealSet =
    RealSet { name: "real-dev", clips: 44, micro_f1: 0.68, macro_present_f1: 0.64, lrap: 0.82 };
pub const REAL_DEV_2: RealSet =
    RealSet { name: "real-dev-2", clips: 100, micro_f1: 0.74, macro_present_f1: 0.77, lrap: 0.86 };

impl RealSet {
    pub fn dir(&self) -> PathBuf {
        crate::real_dev_dir().with_file_name(self.name)
    }
}

/// Clips whose top instrument must be their one true label: solo recordings of one instrument,
/// each answered right by the default model with every other score under 0.2, so a model that
/// misses one has lost something plain. Every label the sets hold has at least one (the sets have
/// no acoustic guitar or organ solo).
pub const MUST_BE_RIGHT: [&str; 32] = [
    "dagstuhl_choirset__DCS_LI_QuartetB_Take04_A2_DYN.wav",
    "dagstuhl_choirset__DCS_LI_QuartetB_Take04_A2_HSM.wav",
    "dagstuhl_choirset__DCS_LI_QuartetB_Take04_S1_DYN.wav",
    "dagstuhl_choirset__DCS_LI_QuartetB_Take04_T2_DYN.wav",
    "dagstuhl_choirset__DCS_LI_QuartetB_Take04_T2_HSM.wav",
    "egfxset__6-22.wav",
    "filosax__Participant1_01_Sax.wav",
    "filosax__Participant2_01_Sax.wav",
    "idmt_smt_audio_effects__G73-45200-3341-33944.wav",
    "jtd__barronk-allgodschildren-drummondrrileyb-1990-8b77c067_piano.wav",
    "maestro__MIDI-Unprocessed_Chamber3_MID--AUDIO_10_R3_2018_wav--1.wav",
    "medley_solos_db__Medley-solos-DB_validation-3_d07b1fc0-567d-52c2-fef4-239f31c9d40e.wav",
    "phenicx_anechoic__cello.wav",
    "phenicx_anechoic__clarinet2.wav",
    "phenicx_anechoic__flute1.wav",
    "phenicx_anechoic__violin2.wav",
    "phenicx_anechoic__violin4.wav",
    "saraga_carnatic__Bhuvini_Dasudane.multitrack-vocal.mp3",
    "neuroment2__Medley-solos-DB_training-0_0d4e77e7-0958-5d6f-f51b-2d903ba5773f.flac",
    "neuroment2__Medley-solos-DB_training-1_0cd76d8a-2a94-5401-f1f6-530b271f3e8e.flac",
    "neuroment2__Medley-solos-DB_training-2_0d77761c-0e15-5ade-fcf1-2bc0ec184862.flac",
    "neuroment2__Medley-solos-DB_training-2_0eb6a7e6-4c28-5091-f0a3-711edebc424e.flac",
    "neuroment2__Medley-solos-DB_training-4_0a86fb73-214a-50d6-f157-d949798ab4c2.flac",
    "neuroment2__Medley-solos-DB_training-5_0ba0ed1c-bd21-5d59-f397-036ab2df1a13.flac",
    "neuroment2__Medley-solos-DB_training-5_0be05f48-4f36-57af-f700-a8ed9bba204d.flac",
    "neuroment2__Medley-solos-DB_training-6_1b36ea06-8462-55d8-f5cc-d06656dc103d.flac",
    "neuroment2__Medley-solos-DB_training-6_1d479197-a464-54d8-fb6a-2c21e860bd45.flac",
    "neuroment2__Medley-solos-DB_training-7_0aa740c8-f9e1-57ff-f147-43f74151362c.flac",
    "neuroment2__Medley-solos-DB_validation-1_1d503831-c30e-5aa0-f527-3646c56f5c52.flac",
    "neuroment2__Medley-solos-DB_validation-3_7dd17c55-ad14-535f-fb3b-c2961118c880.flac",
    "neuroment2__Medley-solos-DB_validation-7_49565079-0ee0-58dd-fb42-c44b1a1f54a1.flac",
    "pecmae__Medley-solos-DB_training-0_0334342a-d60a-58d7-fdd3-336d304471ec.wav",
];

/// The model the floors are checked on: `models/default`, or another model directory named by
/// `FLOORS_MODEL_DIR` (to try a candidate before it becomes the default).
pub fn model_dir() -> PathBuf {
    std::env::var_os("FLOORS_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| crate::repo_root().join("models/default"))
}

/// One clip's answer: the labels named and the 11 scores in [`LABELS`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub labels: Vec<String>,
    pub scores: [f32; N_LABELS],
}

impl Answer {
    /// From a recognition as JSON (the API's body or a `server recognize` line).
    pub fn from_json(v: &Value) -> Answer {
        let mut scores = [f32::NAN; N_LABELS];
        for i in v["instruments"].as_array().unwrap_or_else(|| panic!("no instruments: {v}")) {
            let l = LABELS.iter().position(|&l| i["label"] == l).unwrap_or_else(|| panic!("label of {i}"));
            scores[l] = i["score"].as_f64().unwrap_or_else(|| panic!("score of {i}")) as f32;
        }
        assert!(scores.iter().all(|s| s.is_finite()), "all 11 instruments scored: {v}");
        let labels = v["labels"].as_array().unwrap_or_else(|| panic!("no labels: {v}"));
        Answer { labels: labels.iter().map(|l| l.as_str().expect("a label code").to_owned()).collect(), scores }
    }

    /// The instrument with the highest of the 11 scores.
    pub fn top(&self) -> &'static str {
        let i = (0..N_LABELS).max_by(|&a, &b| self.scores[a].total_cmp(&self.scores[b])).expect("11 scores");
        LABELS[i]
    }
}

/// The file name of a path in an answer (the key of [`check`]'s answers).
pub fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path).to_owned()
}

/// Checks `answers` (file name → answer) from `source` against `set`'s table and floors; panics
/// with every miss: the count, each figure below its floor and each must-be-right clip answered
/// wrong, with its answer.
pub fn check(set: &RealSet, answers: &BTreeMap<String, Answer>, source: &str) {
    let table = trainer::data::list_from_csv(&set.dir().join("labels.csv")).expect("the set's labels.csv");
    let mut misses = String::new();
    if table.len() != set.clips || answers.len() != set.clips {
        writeln!(misses, "{} clips listed and {} answered, {} expected", table.len(), answers.len(), set.clips)
            .unwrap();
    }
    let (mut truth, mut named, mut scores) = (Vec::new(), Vec::new(), Vec::new());
    for clip in &table {
        let name = file_name(&clip.path.to_string_lossy());
        let Some(answer) = answers.get(&name) else {
            writeln!(misses, "{name}: no answer").unwrap();
            continue;
        };
        let t: Vec<bool> = (0..N_LABELS).map(|l| clip.labels.contains(&l)).collect();
        if MUST_BE_RIGHT.contains(&name.as_str()) {
            let want = LABELS[clip.labels[0]];
            if answer.top() != want || !answer.labels.iter().any(|l| l == want) {
                writeln!(misses, "{name}: a plain {want}, answered top {} labels {:?}", answer.top(), answer.labels)
                    .unwrap();
            }
        }
        named.push(LABELS.iter().map(|l| answer.labels.iter().any(|a| a == l)).collect::<Vec<bool>>());
        scores.push(answer.scores.to_vec());
        truth.push(t);
    }
    let report = shared::scoring::prf_report(&truth, &named, N_LABELS);
    let lrap = shared::scoring::lrap(&truth, &scores);
    let figures = [
        ("micro F1", report.micro.f1, set.micro_f1),
        ("macro F1", report.macro_present.f1, set.macro_present_f1),
        ("LRAP", lrap, set.lrap),
    ];
    for (what, got, floor) in figures {
        if got < floor {
            writeln!(misses, "{what} {got:.3} below its floor {floor}").unwrap();
        }
    }
    let must = table.iter().filter(|c| MUST_BE_RIGHT.contains(&file_name(&c.path.to_string_lossy()).as_str())).count();
    assert!(must > 0, "{}: the must-be-right list names none of its clips", set.name);
    let summary = figures.map(|(w, g, _)| format!("{w} {g:.3}")).join(", ");
    assert!(misses.is_empty(), "{} through {source} ({summary}):\n{misses}", set.name);
}
