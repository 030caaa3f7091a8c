//! The served model's quality on real audio: every clip of real-dev (44) and real-dev-2 (100)
//! sent to the running server, in each precision the model directory ships, and held to the
//! fixed floors and must-be-right clips of `e2e::quality` (the CLI's answers are held to the same
//! in `offline_cli.rs`). `FLOORS_MODEL_DIR=<dir>` points them at another model.
use std::collections::BTreeMap;

use e2e::quality::{self, Answer, RealSet, MUST_BE_RIGHT, REAL_DEV, REAL_DEV_2};
use e2e::{http_agent, Server};
use serde_json::Value;

/// The precisions the model directory holds: fp32 always, bf16 and int8 where exported.
fn precisions() -> Vec<&'static str> {
    let dir = quality::model_dir();
    ["fp32", "bf16", "int8"].into_iter().filter(|p| *p == "fp32" || dir.join(p).join("model.pt").exists()).collect()
}

fn served_answers(server: &Server, set: &RealSet) -> BTreeMap<String, Answer> {
    let mut answers = BTreeMap::new();
    let mut files: Vec<_> =
        std::fs::read_dir(set.dir()).expect("the set's folder").map(|e| e.unwrap().path()).collect();
    files.retain(|p| !p.extension().is_some_and(|e| e == "csv" || e == "md"));
    files.sort();
    for path in files {
        let body = std::fs::read(&path).unwrap();
        let mut r = http_agent().post(server.url("/v1/recognize")).send(&body[..]).expect("the server answers");
        let text = r.body_mut().read_to_string().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}: {text}", path.display());
        let v: Value = serde_json::from_str(&text).unwrap();
        answers.insert(quality::file_name(&path.to_string_lossy()), Answer::from_json(&v));
    }
    answers
}

fn served_set_meets_its_floors(set: &RealSet) {
    for precision in precisions() {
        let server = Server::start(&quality::model_dir(), &["--precision", precision]);
        quality::check(set, &served_answers(&server, set), &format!("the server at {precision}"));
    }
}

#[test]
fn the_served_model_meets_the_floors_on_real_dev() {
    served_set_meets_its_floors(&REAL_DEV);
}

#[test]
fn the_served_model_meets_the_floors_on_real_dev_2() {
    served_set_meets_its_floors(&REAL_DEV_2);
}

#[test]
fn every_must_be_right_clip_is_in_a_set_with_one_label() {
    let mut found = 0;
    for set in [REAL_DEV, REAL_DEV_2] {
        let table = trainer::data::list_from_csv(&set.dir().join("labels.csv")).unwrap();
        for clip in table {
            if MUST_BE_RIGHT.contains(&quality::file_name(&clip.path.to_string_lossy()).as_str()) {
                assert_eq!(clip.labels.len(), 1, "{}", clip.path.display());
                found += 1;
            }
        }
    }
    assert_eq!(found, MUST_BE_RIGHT.len(), "each must-be-right clip found once");
}
