//! `trainer features` end to end: the real binary on a real clip and on a file that is not audio.
use std::process::Command;

use e2e::{binary, real_dev_dir, scratch_dir};
use ndarray::Array2;
use ndarray_npy::read_npy;
use shared::audio::{decode_file, DecodeOptions};
use shared::frontend::{peak_normalize, FrontEndParams, LogMel};

#[test]
fn writes_the_same_logmel_as_the_library() {
    let clip = real_dev_dir().join("irmas__cla_cla_0189__2.wav");
    let out = scratch_dir("features.npy");
    let status = Command::new(binary("trainer"))
        .args(["features", clip.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let written: Array2<f32> = read_npy(&out).unwrap();
    std::fs::remove_file(&out).ok();

    let p = FrontEndParams::default();
    let mut d = decode_file(&clip, p.sample_rate, &DecodeOptions::default()).unwrap();
    peak_normalize(&mut d.samples);
    let expected = LogMel::new(&p).unwrap().compute(&d.samples);
    // 3 s at 22,050 Hz, hop 512, centred frames.
    assert_eq!(written.dim(), (1 + 66_150 / 512, 128));
    assert_eq!(written, expected);
}

#[test]
fn refuses_a_file_that_is_not_audio_with_a_clear_message() {
    let readme = e2e::repo_root().join("README.md");
    let out = Command::new(binary("trainer"))
        .args(["features", readme.to_str().unwrap(), "--out", "/dev/null"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a recognised audio format"), "{stderr}");
}
