//! Parity of the log-mel front end with librosa (SPEC §2.4) on every real-dev clip.
//!
//! Each clip is decoded and resampled by us; the same 22,050 Hz signal goes to our front end and
//! to `librosa.feature.melspectrogram(sr=22050, n_fft=1024, hop_length=512, n_mels=128,
//! power=1.0)` + the same log. Required: mean |Δ| ≤ 1e-4 and max |Δ| ≤ 1e-2 on every clip.
//! The Python environment is created on first use (scripts/python-env.sh, cached in .cache/).

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{Array1, Array2};
use ndarray_npy::{read_npy, write_npy};
use shared::audio::{decode_file, DecodeOptions};
use shared::frontend::{peak_normalize, FrontEndParams, LogMel};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn real_dev_dir() -> PathBuf {
    std::env::var_os("REAL_DEV_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("../shared/eval/real-dev"))
}

fn reference_python() -> PathBuf {
    let out = Command::new("bash")
        .arg(repo_root().join("scripts/python-env.sh"))
        .output()
        .expect("run scripts/python-env.sh");
    assert!(out.status.success(), "python-env.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
#[ignore = "needs the librosa environment (scripts/python-env.sh)"]
fn logmel_matches_librosa_on_every_real_dev_clip() {
    let dir = real_dev_dir();
    let mut clips: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("real-dev clips expected in {} ({e}); set REAL_DEV_DIR", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("wav" | "mp3" | "flac" | "ogg")))
        .collect();
    clips.sort();
    assert!(clips.len() >= 40, "expected the 44 real-dev clips, found {}", clips.len());

    let params = FrontEndParams::default();
    let lm = LogMel::new(&params).unwrap();
    let work = tempdir();
    let mut ours = Vec::new();
    let mut args = vec![params.log_epsilon.to_string()];
    for (i, clip) in clips.iter().enumerate() {
        let mut d = decode_file(clip, params.sample_rate, &DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", clip.display()));
        peak_normalize(&mut d.samples);
        ours.push(lm.compute(&d.samples));
        let (y, out) = (work.join(format!("{i}.y.npy")), work.join(format!("{i}.ref.npy")));
        write_npy(&y, &Array1::from(d.samples)).unwrap();
        args.push(y.display().to_string());
        args.push(out.display().to_string());
    }
    let status = Command::new(reference_python())
        .arg(repo_root().join("reference/librosa_logmel.py"))
        .args(&args)
        .status()
        .expect("run librosa reference");
    assert!(status.success());

    let mut failures = vec![];
    for (i, (clip, ours)) in clips.iter().zip(&ours).enumerate() {
        let reference: Array2<f32> = read_npy(work.join(format!("{i}.ref.npy"))).unwrap();
        assert_eq!(reference.dim(), ours.dim(), "{}", clip.display());
        let diff = (ours - &reference).mapv(f32::abs);
        let (mean, max) = (diff.mean().unwrap(), diff.fold(0.0f32, |m, &v| m.max(v)));
        let name = clip.file_name().unwrap().to_string_lossy();
        println!("{name:<90} frames {:>5}  mean {mean:.2e}  max {max:.2e}", ours.dim().0);
        if !(mean <= 1e-4 && max <= 1e-2) {
            failures.push(format!("{name}: mean {mean:e}, max {max:e}"));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(failures.is_empty(), "parity failures:\n{}", failures.join("\n"));
}

fn tempdir() -> PathBuf {
    test_support::fresh_scratch_dir("librosa-parity")
}
