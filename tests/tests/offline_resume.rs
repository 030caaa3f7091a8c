//! A library scan that is killed and resumed: `server recognize --out FILE` over a folder of a
//! few hundred generated files is stopped at a random point (printed as a seed; `RESUME_SEED=…`
//! replays it) by `kill -9` (and, in another run, by SIGTERM), then run again with `--resume`; every file must end up answered exactly once,
//! with the answers of an uninterrupted run (`--jobs 1` is reproducible to the bit), and no torn
//! line.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e::{binary, scratch_dir, test_model_dir, tone, wav_bytes};
use rand::{RngExt, SeedableRng};

const FILES: usize = 300;

/// A folder of `FILES` WAV files of 1.5-3 s (tones of different pitches) in two sub-folders,
/// plus a text file and random bytes that a folder walk passes over.
fn library() -> PathBuf {
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _once = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch_dir("resume-library");
    let made = dir.with_extension("made");
    if made.exists() {
        return dir;
    }
    for i in 0..FILES {
        let sub = dir.join(if i % 2 == 0 { "a" } else { "b" });
        std::fs::create_dir_all(&sub).unwrap();
        let seconds = 1.5 + (i % 4) as f32 * 0.5;
        std::fs::write(sub.join(format!("{i:03}.wav")), wav_bytes(&tone(110.0 + i as f32 * 3.0, seconds), 22_050))
            .unwrap();
    }
    std::fs::write(dir.join("a/notes.txt"), "not audio").unwrap();
    std::fs::write(
        dir.join("b/noise.bin"),
        (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(made, "").unwrap();
    dir
}

fn command(model: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(binary("server"));
    c.env("CHUNK_SIZE", e2e::FIXED_CHUNK_SIZE)
        .arg("recognize")
        .args(["--model-dir", model.to_str().unwrap(), "--jobs", "1"])
        .args(args);
    c
}

fn run(model: &Path, args: &[&str]) -> Output {
    command(model, args).output().expect("run server recognize")
}

/// The answer lines of an output file by path; fails on a torn or repeated line.
fn answers(out: &Path, format: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "a torn last line in {}", out.display());
    let mut by_path = BTreeMap::new();
    let mut lines = text.lines();
    if format == "csv" {
        assert!(lines.next().unwrap().starts_with("path,labels,error,"));
    }
    for line in lines {
        let path = if format == "csv" {
            line.split(',').next().unwrap().trim_matches('"').to_string()
        } else {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            v["path"].as_str().unwrap().to_string()
        };
        assert!(by_path.insert(path.clone(), line.to_string()).is_none(), "{path} answered twice");
    }
    by_path
}

/// Starts a scan and waits until its output holds at least `lines` lines.
fn start_and_wait(model: &Path, lib: &Path, out: &Path, format: &str, lines: usize) -> Child {
    let mut child = command(model, &[lib.to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", format])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        let n = std::fs::read_to_string(out).map_or(0, |t| t.lines().count());
        if n >= lines {
            return child;
        }
        assert!(child.try_wait().unwrap().is_none(), "the scan ended before {lines} lines");
        assert!(t0.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn kill_and_resume(signal: &str, format: &str) {
    let model = test_model_dir("offline-resume");
    let lib = library();
    let base = lib.with_extension(format!("{signal}-base.{format}"));
    let full = run(&model, &[lib.to_str().unwrap(), "--out", base.to_str().unwrap(), "--format", format]);
    assert!(full.status.success(), "{}", String::from_utf8_lossy(&full.stderr));
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert!(
        stderr.contains("300 files: 300 answered (0 failed), 0 already answered in the output (--resume), 2 not audio passed over (--list-skipped names them);"),
        "{stderr}"
    );
    let expected = answers(&base, format);
    assert_eq!(expected.len(), FILES);

    // The stop point is drawn from a seed that is printed and can be given back to replay it.
    // It falls in the first half of the scan: the kill lands after the poll below sees `at`
    // lines, and on a loaded machine the scan may run on by many files before it does.
    let seed: u64 = match std::env::var("RESUME_SEED") {
        Ok(s) => s.parse().expect("RESUME_SEED is a number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    };
    let at = rand_chacha::ChaCha8Rng::seed_from_u64(seed).random_range(5..FILES / 2);
    println!("{signal} {format}: stopping after {at} lines (replay with RESUME_SEED={seed})");
    let out = lib.with_extension(format!("{signal}.{format}"));
    let _ = std::fs::remove_file(&out);
    let mut child = start_and_wait(&model, &lib, &out, format, at);
    let pid = child.id().to_string();
    assert!(Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    if signal == "TERM" {
        assert_eq!(status.code(), Some(3), "SIGTERM ends the run with the interrupted status (RESUME_SEED={seed})");
    }
    let before = answers(&out, format);
    assert!(
        before.len() >= at - 1 && before.len() < FILES,
        "{} lines after the stop (RESUME_SEED={seed})",
        before.len()
    );
    if signal == "KILL" {
        // What a power cut can leave: half a record with no newline. It is redone.
        let torn = before.values().next().unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
        std::io::Write::write_all(&mut f, &torn.as_bytes()[..torn.len() / 2]).unwrap();
    }
    let resumed = run(&model, &[lib.to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", format, "--resume"]);
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    let skipped = format!("{} answered (0 failed), {} already answered", FILES - before.len(), before.len());
    assert!(stderr.contains(&skipped), "expected {skipped:?} in {stderr}");
    assert_eq!(
        answers(&out, format),
        expected,
        "the resumed output differs from an uninterrupted run (RESUME_SEED={seed})"
    );
}

#[test]
fn a_scan_killed_with_sigkill_resumes_to_the_uninterrupted_answers() {
    kill_and_resume("KILL", "jsonl");
}

#[test]
fn a_scan_stopped_with_sigterm_resumes_to_the_uninterrupted_answers() {
    kill_and_resume("TERM", "jsonl");
}

#[test]
fn a_csv_scan_killed_with_sigkill_resumes_too() {
    kill_and_resume("KILL", "csv");
}

#[test]
fn resume_needs_an_output_file_and_list_skipped_names_what_was_passed_over() {
    let model = test_model_dir("offline-resume");
    let lib = library();
    let out = run(&model, &[lib.to_str().unwrap(), "--resume"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume needs --out FILE"));
    let out = run(&model, &[lib.join("a").to_str().unwrap(), "--list-skipped"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("not audio, passed over: {}", lib.join("a/notes.txt").display())), "{stderr}");
    assert!(
        stderr.contains(
            "150 files: 150 answered (0 failed), 0 already answered in the output (--resume), 1 not audio passed over;"
        ),
        "{stderr}"
    );
}
