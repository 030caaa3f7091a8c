//! The open world through the real server and the default model: what is not loud enough to hear
//! takes no part in the answer, a recording with nothing audible answers no instrument, and
//! silence or hiss around real music changes none of its labels (uploads, and `server
//! recognize` over the same files).
use std::path::Path;

use e2e::audio::{sine, wav, Fmt};
use e2e::{binary, fresh_scratch_dir, http_agent, real_dev_dir, repo_root, Server};
use rand::{RngExt, SeedableRng};
use serde_json::Value;

const RATE: u32 = 22_050;

fn recognize(server: &Server, body: Vec<u8>, query: &str) -> Value {
    let mut resp = http_agent().post(server.url(&format!("/v1/recognize{query}"))).send(&body[..]).unwrap();
    let text = resp.body_mut().read_to_string().unwrap();
    assert_eq!(resp.status(), 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn labels(v: &Value) -> Vec<String> {
    v["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect()
}

fn float_wav(x: &[f32]) -> Vec<u8> {
    wav(RATE, 1, Fmt::F32, x, None)
}

/// A 440-Hz sine whose RMS is `db` dBFS.
fn sine_at(db: f64, seconds: f64) -> Vec<f32> {
    sine(RATE, 1, 440.0, 10f64.powf(db / 20.0) * std::f64::consts::SQRT_2, seconds)
}

#[test]
fn what_is_below_the_audible_floor_takes_no_part() {
    let server = Server::start(&repo_root().join("models/default"), &[]);
    let nothing = |v: &Value, what: &str| {
        assert!(labels(v).is_empty(), "{what}: {v}");
        assert_eq!(v["audible_windows"], 0, "{what}: {v}");
        assert_eq!(v["audible_seconds"], 0.0, "{what}: {v}");
        assert!(v["instruments"].as_array().unwrap().iter().all(|i| i["score"] == 0.0), "{what}: {v}");
    };

    // All silent: every window in the timeline marked, at the level of digital silence.
    let v = recognize(&server, float_wav(&vec![0.0; 5 * RATE as usize]), "?timeline=true");
    nothing(&v, "5 s of digital silence");
    let timeline = v["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), v["windows"].as_u64().unwrap() as usize);
    assert!(timeline
        .iter()
        .all(|w| w["silent"] == true && w["level_dbfs"] == -200.0 && w["scores"] == serde_json::json!({})));
    assert_eq!(v["audible_floor_dbfs"], -60.0);

    // A tone 1 dB above the floor is heard in every window; 1 dB below, in none.
    let v = recognize(&server, float_wav(&sine_at(-59.0, 3.0)), "?timeline=true");
    assert_eq!(v["audible_windows"], v["windows"], "-59 dBFS: {v}");
    assert!(v["windows"].as_u64().unwrap() >= 4);
    let level = v["timeline"][0]["level_dbfs"].as_f64().unwrap();
    assert!((level + 59.0).abs() < 0.1, "{level}");
    nothing(&recognize(&server, float_wav(&sine_at(-61.0, 3.0)), ""), "-61 dBFS");

    // Silent but for one loud stretch of 0.4 s: the recording is cut to it, one window heard,
    // starting where the stretch does.
    let mut x = vec![0.0f32; 5 * RATE as usize];
    let loud = sine_at(-12.0, 0.4);
    let at = 2 * RATE as usize;
    x[at..at + loud.len()].copy_from_slice(&loud);
    let v = recognize(&server, float_wav(&x), "?timeline=true");
    assert_eq!((v["windows"].as_u64(), v["audible_windows"].as_u64()), (Some(1), Some(1)), "{v}");
    let start = v["timeline"][0]["start_seconds"].as_f64().unwrap();
    assert!((start - 2.0).abs() < 1e-3, "the window starts at the loud stretch: {start}");
    assert!((v["audible_seconds"].as_f64().unwrap() - 0.4).abs() < 1e-3, "{v}");
    assert_eq!(v["duration_seconds"], 5.0);

    // NaN and infinite samples count as silence, in the level as in the front end.
    let mut x = sine_at(-20.0, 2.0);
    for i in (0..x.len()).step_by(97) {
        x[i] = if i % 2 == 0 { f32::NAN } else { f32::INFINITY };
    }
    let v = recognize(&server, float_wav(&x), "?timeline=true");
    assert_eq!(v["audible_windows"], v["windows"], "{v}");
    for w in v["timeline"].as_array().unwrap() {
        let level = w["level_dbfs"].as_f64().unwrap();
        assert!((level + 20.0).abs() < 0.2, "{level}");
    }
    nothing(&recognize(&server, float_wav(&[f32::NAN; 22_050]), ""), "1 s of NaN");

    // 0.2 s: one padded window, judged by the samples it has.
    let v = recognize(&server, float_wav(&sine_at(-30.0, 0.2)), "");
    assert_eq!((v["windows"].as_u64(), v["audible_windows"].as_u64()), (Some(1), Some(1)), "{v}");
    nothing(&recognize(&server, float_wav(&vec![0.0; 4_410]), ""), "0.2 s of silence");
}

/// Every real-dev clip, as the analysis rate hears it (mono, 22,050 Hz), plain and with 2 s
/// before and 3 s after of digital silence, and of hiss at -80 dBFS.
fn real_dev_versions(dir: &Path) -> Vec<(String, [Vec<u8>; 3])> {
    let table = std::fs::read_to_string(real_dev_dir().join("labels.csv")).expect("real-dev labels.csv");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let mut hiss = |n: usize| -> Vec<f32> {
        // Uniform noise of RMS 1e-4 (-80 dBFS).
        (0..n).map(|_| rng.random_range(-1.0f32..1.0) * 1e-4 * 3f32.sqrt()).collect()
    };
    let mut out = Vec::new();
    for line in table.lines().skip(1) {
        let file = line.split(',').next().unwrap().to_string();
        let decoded =
            shared::audio::decode_file(&real_dev_dir().join(&file), RATE, &shared::audio::DecodeOptions::default())
                .unwrap();
        let x = decoded.samples;
        let pad = |before: Vec<f32>, after: Vec<f32>| float_wav(&[before, x.clone(), after].concat());
        let silent = pad(vec![0.0; 2 * RATE as usize], vec![0.0; 3 * RATE as usize]);
        let hissed = pad(hiss(2 * RATE as usize), hiss(3 * RATE as usize));
        for (k, bytes) in [&float_wav(&x), &silent, &hissed].into_iter().enumerate() {
            std::fs::write(dir.join(format!("{k}-{file}")), bytes).unwrap();
        }
        out.push((file, [float_wav(&x), silent, hissed]));
    }
    assert_eq!(out.len(), 44, "real-dev has 44 clips");
    out
}

#[test]
fn silence_or_hiss_around_real_music_changes_no_label() {
    let dir = fresh_scratch_dir("open-world-padded");
    let clips = real_dev_versions(&dir);
    let server = Server::start(&repo_root().join("models/default"), &[]);
    let mut differ = Vec::new();
    let mut uploads = std::collections::BTreeMap::new();
    for (file, [plain, silent, hissed]) in &clips {
        let answers: Vec<Vec<String>> =
            [plain, silent, hissed].iter().map(|b| labels(&recognize(&server, b.to_vec(), ""))).collect();
        if answers[1] != answers[0] || answers[2] != answers[0] {
            differ
                .push(format!("{file}: plain {:?}, in silence {:?}, in hiss {:?}", answers[0], answers[1], answers[2]));
        }
        for (k, a) in answers.into_iter().enumerate() {
            uploads.insert(format!("{k}-{file}"), a);
        }
    }
    assert!(differ.is_empty(), "{} of 44 clips answer otherwise when padded:\n{}", differ.len(), differ.join("\n"));

    // `server recognize` streams each file through the same cut: the same labels as the uploads.
    let out = dir.join("tags.jsonl");
    let status = std::process::Command::new(binary("server"))
        .args(["recognize", "--model-dir"])
        .arg(repo_root().join("models/default"))
        .args(["--chunk-size", e2e::FIXED_CHUNK_SIZE, "--out"])
        .arg(&out)
        .arg(&dir)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let mut seen = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let name = Path::new(v["path"].as_str().unwrap()).file_name().unwrap().to_str().unwrap().to_string();
        let Some(want) = uploads.get(&name) else { continue };
        assert_eq!(&labels(&v), want, "{name}: the CLI and the upload differ");
        seen += 1;
    }
    assert_eq!(seen, 132, "every file answered by the CLI");
}
