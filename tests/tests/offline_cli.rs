//! `server recognize`, the offline CLI, as a user runs it: real-dev and real-dev-2 tagged into
//! JSON Lines and CSV with the default model and held to the quality floors (`e2e::quality`),
//! a corrupt file in a folder reported on its own line
//! while the rest succeed, two shards that together are one unsharded run, and the streamed
//! scores equal to the API's whole-file scores.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e::quality::{self, Answer};
use e2e::{binary, fresh_scratch_dir, http_agent, real_dev_dir, repo_root, Server};
use serde_json::Value;

/// `server recognize` on the default model, its chunk size fixed as for the tests' servers.
fn recognize(args: &[&str]) -> Output {
    Command::new(binary("server"))
        .env("CHUNK_SIZE", e2e::FIXED_CHUNK_SIZE)
        .arg("recognize")
        .args(["--model-dir", quality::model_dir().to_str().unwrap()])
        .args(args)
        .output()
        .expect("run server recognize")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

fn audio_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav" || e == "flac"))
        .collect();
    v.sort();
    v
}

#[test]
fn tags_both_real_dev_sets_into_jsonl_and_csv_and_meets_the_floors() {
    let manifest = std::fs::read_to_string(quality::model_dir().join("manifest.json")).expect("the model's manifest");
    let model_id = serde_json::from_str::<Value>(&manifest).unwrap()["model_id"].clone();
    for set in [quality::REAL_DEV, quality::REAL_DEV_2] {
        let dir = set.dir();
        let out = recognize(&[dir.to_str().unwrap(), "--jobs", "2"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let got = lines(&out);
        for v in &got {
            assert!(v["path"].as_str().is_some() && v["instruments"].as_array().unwrap().len() == 11, "{v}");
            assert_eq!(v["model_id"], model_id);
            // S2 scores the top instrument 1.0; it is named only with the evidence to back it.
            assert_eq!(v["instruments"][0]["score"], 1.0, "{v}");
            let top = &v["instruments"][0];
            let named = top["evidence"].as_f64().unwrap() >= v["evidence_floor"].as_f64().unwrap();
            assert_eq!(v["labels"][0] == top["label"], named, "{v}");
        }
        let jsonl =
            got.iter().map(|v| (quality::file_name(v["path"].as_str().unwrap()), Answer::from_json(v))).collect();
        quality::check(&set, &jsonl, "server recognize's JSON lines");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("files/s") && stderr.contains("audio-s/s"), "{stderr}");

        let csv = recognize(&[dir.to_str().unwrap(), "--format", "csv"]);
        assert!(csv.status.success());
        let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header.join(","), "path,labels,error,cel,cla,flu,gac,gel,org,pia,sax,tru,vio,voi");
        let mut rows = BTreeMap::new();
        for row in reader.records() {
            let row = row.expect("a CSV row");
            let scores: [f32; 11] = std::array::from_fn(|l| row[3 + l].parse().expect("a score"));
            let labels = row[1].split(';').filter(|l| !l.is_empty()).map(str::to_owned).collect();
            let answer = Answer { labels, scores };
            // The CSV's top instrument (the argmax of its 11 scores) is the JSON line's.
            let name = quality::file_name(&row[0]);
            assert_eq!(Some(answer.top()), jsonl_top(&got, &name), "{row:?}");
            rows.insert(name, answer);
        }
        quality::check(&set, &rows, "server recognize's CSV");
    }
}

fn jsonl_top<'a>(lines: &'a [Value], name: &str) -> Option<&'a str> {
    let line = lines.iter().find(|v| quality::file_name(v["path"].as_str().unwrap()) == name)?;
    line["instruments"][0]["label"].as_str()
}

#[test]
fn a_corrupt_file_gets_its_error_line_and_the_rest_succeed() {
    let dir = fresh_scratch_dir("offline-corrupt");
    std::fs::create_dir(dir.join("nested")).unwrap();
    let clips = audio_files(&real_dev_dir());
    for c in &clips[..3] {
        std::fs::copy(c, dir.join("nested").join(c.file_name().unwrap())).unwrap();
    }
    let whole = std::fs::read(&clips[0]).unwrap();
    std::fs::write(dir.join("broken.wav"), &whole[..whole.len() / 3]).unwrap();
    std::fs::write(dir.join("readme.txt"), "not audio: skipped in a folder").unwrap();
    let out = recognize(&[dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a failed file makes the exit status 1");
    let got = lines(&out);
    assert_eq!(got.len(), 4, "three clips and the broken file, not the text: {got:?}");
    let broken: Vec<&Value> = got.iter().filter(|v| v.get("error").is_some()).collect();
    assert_eq!(broken.len(), 1, "{got:?}");
    assert!(broken[0]["path"].as_str().unwrap().ends_with("broken.wav"));
    assert_eq!(broken[0]["error_type"], "truncated", "{}", broken[0]);
    assert_eq!(got.iter().filter(|v| v.get("instruments").is_some()).count(), 3);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn two_shards_together_are_one_unsharded_run() {
    let dir = real_dev_dir();
    let sorted = |out: Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut l: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
        l.sort();
        l
    };
    // One file at a time: each file's windows then run in batches of their own, so a score does
    // not depend on which other files shared its batch (libtorch's kernels round differently
    // at other batch sizes), and the lines are identical to the bit.
    let all = sorted(recognize(&[dir.to_str().unwrap(), "--jobs", "1"]));
    let a = sorted(recognize(&[dir.to_str().unwrap(), "--jobs", "1", "--shard", "0/2"]));
    let b = sorted(recognize(&[dir.to_str().unwrap(), "--jobs", "1", "--shard", "1/2"]));
    assert!(!a.is_empty() && !b.is_empty(), "both shards have files");
    let mut joined = [a, b].concat();
    joined.sort();
    assert_eq!(joined, all);
    let bad = recognize(&[dir.to_str().unwrap(), "--shard", "2/2"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--shard"));
}

#[test]
fn streamed_scores_equal_the_apis_whole_file_scores() {
    // 64 windows, and passes of 64 either way: the model sees the same windows in one pass.
    let clip = real_dev_dir().join("vocadito__vocadito_1.wav");
    let args = ["--jobs", "1", "--segments", "--timeline", "--precision", "fp32", "--chunk-size", "64"];
    let out = recognize(&[&[clip.to_str().unwrap()][..], &args].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut cli = lines(&out).remove(0);
    let server = Server::start(&repo_root().join("models/default"), &["--precision", "fp32", "--chunk-size", "64"]);
    let mut r = http_agent()
        .post(server.url("/v1/recognize?segments=true&timeline=true"))
        .send(&std::fs::read(&clip).unwrap()[..])
        .unwrap();
    let api: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    cli.as_object_mut().unwrap().remove("path");
    if cli != api {
        let windows = cli["windows"].as_u64().unwrap();
        panic!("the CLI and the API differ ({windows} windows):\nCLI {cli}\nAPI {api}");
    }
}

/// The strip module (`--share-frames`, on by default: block 1 once over the frames that
/// overlapping windows share) against `model.pt` alone on every real-dev and real-dev-2 clip:
/// the same labels and every score within 1e-4 (the CSV prints 6 decimals). Which is faster is
/// `docs/perf.md`'s question, not this test's.
#[test]
fn sharing_frames_changes_no_answer_on_the_real_sets() {
    for dir in [real_dev_dir(), real_dev_dir().with_file_name("real-dev-2")] {
        let run = |share: &str| {
            let out = recognize(&[dir.to_str().unwrap(), "--format", "csv", "--jobs", "1", "--share-frames", share]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let (shared, alone) = (run("true"), run("false"));
        let rows = |text: &str| -> Vec<(String, Vec<f64>)> {
            text.lines()
                .skip(1)
                .map(|row| {
                    let mut fields: Vec<&str> = row.rsplitn(12, ',').collect();
                    let head = fields.pop().unwrap().to_string();
                    (head, fields.iter().map(|s| s.parse().unwrap()).collect())
                })
                .collect()
        };
        let (shared, alone) = (rows(&shared), rows(&alone));
        assert_eq!(shared.len(), std::fs::read_to_string(dir.join("labels.csv")).unwrap().lines().count() - 1);
        let mut largest = 0.0f64;
        for ((head_a, a), (head_b, b)) in shared.iter().zip(&alone) {
            assert_eq!(head_a, head_b, "the same path, labels and error");
            largest = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(largest, f64::max);
        }
        assert!(largest <= 1e-4, "{}: scores differ by up to {largest}", dir.display());
    }
}
