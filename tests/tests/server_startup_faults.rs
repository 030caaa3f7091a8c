//! A broken model directory stops the server at startup with an error that names the file and
//! the problem (exit status ≠ 0), never a server that answers wrongly.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{binary, fresh_scratch_dir, test_model_dir};

fn variant(name: &str, change: impl FnOnce(&Path)) -> PathBuf {
    let src = test_model_dir("startup-faults");
    let dir = fresh_scratch_dir(&format!("startup-fault-{name}"));
    for f in ["model.pt", "manifest.json"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    change(&dir);
    dir
}

/// Runs the server on `dir` and returns (exit status, stderr); it must stop by itself.
fn start(dir: &Path) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(binary("server"))
        .args(["--model-dir", dir.to_str().unwrap(), "--host", "127.0.0.1", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status, err);
        }
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the server started on a broken model directory {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn edit_manifest(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("manifest.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn each_broken_model_directory_is_a_named_startup_error() {
    type Change = Box<dyn FnOnce(&Path)>;
    let cases: Vec<(&str, Change, &str, &str)> = vec![
        (
            "missing-model",
            Box::new(|d: &Path| std::fs::remove_file(d.join("model.pt")).unwrap()),
            "model.pt",
            "No such file",
        ),
        (
            "missing-manifest",
            Box::new(|d: &Path| std::fs::remove_file(d.join("manifest.json")).unwrap()),
            "manifest.json",
            "No such file",
        ),
        (
            "truncated-model",
            Box::new(|d: &Path| {
                let b = std::fs::read(d.join("model.pt")).unwrap();
                std::fs::write(d.join("model.pt"), &b[..b.len() / 2]).unwrap();
            }),
            "manifest.json",
            "sha256",
        ),
        (
            "tampered-model",
            Box::new(|d: &Path| {
                let mut b = std::fs::read(d.join("model.pt")).unwrap();
                let i = b.len() / 2;
                b[i] ^= 0xFF;
                std::fs::write(d.join("model.pt"), b).unwrap();
            }),
            "manifest.json",
            "sha256",
        ),
        (
            "truncated-manifest",
            Box::new(|d: &Path| {
                let t = std::fs::read_to_string(d.join("manifest.json")).unwrap();
                std::fs::write(d.join("manifest.json"), &t[..t.len() / 2]).unwrap();
            }),
            "manifest.json",
            "not a valid manifest",
        ),
        (
            "wrong-labels",
            Box::new(|d: &Path| edit_manifest(d, |v| v["labels"][0]["code"] = "xyz".into())),
            "manifest.json",
            "label",
        ),
        (
            "wrong-front-end",
            Box::new(|d: &Path| edit_manifest(d, |v| v["front_end"]["n_mels"] = 64.into())),
            "manifest.json",
            "front",
        ),
    ];
    for (name, change, file, problem) in cases {
        let dir = variant(name, change);
        let (status, err) = start(&dir);
        assert!(!status.success(), "{name}: exit status {status}");
        assert!(err.contains(file), "{name}: the error does not name {file}:\n{err}");
        assert!(
            err.to_lowercase().contains(&problem.to_lowercase()),
            "{name}: the error does not say {problem:?}:\n{err}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
