//! Front-end throughput: decode + resample + log-mel of 30 s of real music (44.1 kHz stereo WAV
//! and 128 kbps MP3), ours against librosa (`librosa.load(sr=22050)` + melspectrogram), one
//! thread each, on the same files in the same run.
//!
//!     cargo bench -p shared --bench frontend
//!
//! Targets: ≥ 200× real time, and ≥ 3× librosa.
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ndarray::Array2;
use shared::audio::{decode, decode_file, DecodeOptions};
use shared::frontend::{peak_normalize, FrontEndParams, LogMel};

const OUR_RUNS: usize = 20;
const LIBROSA_RUNS: usize = 5;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The 30-s WAV: the benchmark MP3 decoded at 44.1 kHz, written as 16-bit stereo (the right
/// channel 3 ms behind the left, so the two differ).
fn make_wav(mp3: &Path, wav: &Path) {
    let d = decode_file(mp3, 44_100, &DecodeOptions::default()).expect("decode benchmark mp3");
    let lag = 132;
    let stereo: Vec<f32> =
        (0..d.samples.len()).flat_map(|i| [d.samples[i], if i >= lag { d.samples[i - lag] } else { 0.0 }]).collect();
    std::fs::write(wav, test_support::wav(44_100, 2, test_support::Fmt::I16, &stereo, None)).unwrap();
}

/// The measured path once: decode `bytes` (a file named `path`) at 22,050 Hz, peak-normalise,
/// log-mel; the audio's seconds, its sample count and the spectrogram.
fn front_end(bytes: &std::sync::Arc<[u8]>, path: &Path, lm: &LogMel) -> (f64, usize, Array2<f32>) {
    let opts =
        DecodeOptions { extension: path.extension().and_then(|e| e.to_str()).map(str::to_owned), ..Default::default() };
    let mut d = decode(Box::new(Cursor::new(bytes.clone())), 22_050, &opts).unwrap();
    peak_normalize(&mut d.samples);
    (d.duration_seconds(), d.samples.len(), lm.compute(&d.samples))
}

fn ours(path: &Path, lm: &LogMel) -> (f64, f64) {
    let bytes: std::sync::Arc<[u8]> = std::fs::read(path).unwrap().into();
    let run = || front_end(&bytes, path, lm);
    let (seconds, _, _) = run();
    let mut times: Vec<f64> = (0..OUR_RUNS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(run());
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (seconds, times[times.len() / 2])
}

fn librosa(files: &[&Path]) -> Vec<f64> {
    let py = Command::new("bash").arg(root().join("scripts/python-env.sh")).output().expect("python-env.sh");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    let python = String::from_utf8(py.stdout).unwrap().trim().to_owned();
    let taskset = Command::new("taskset").arg("--version").output().is_ok();
    let mut cmd = if taskset {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", &python]);
        c
    } else {
        Command::new(&python)
    };
    let out = cmd
        .arg(root().join("reference/bench_librosa.py"))
        .arg(LIBROSA_RUNS.to_string())
        .args(files)
        .envs([
            ("OMP_NUM_THREADS", "1"),
            ("OPENBLAS_NUM_THREADS", "1"),
            ("MKL_NUM_THREADS", "1"),
            ("NUMBA_NUM_THREADS", "1"),
        ])
        .output()
        .expect("run bench_librosa.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["median_s"].as_f64().unwrap())
        .collect()
}

/// What `cargo test --bench frontend` runs (no `--bench` flag): each file through the measured
/// path once, its output checked, nothing timed.
fn check(files: &[&Path], lm: &LogMel) {
    let params = FrontEndParams::default();
    for f in files {
        let bytes: std::sync::Arc<[u8]> = std::fs::read(f).unwrap().into();
        let (seconds, samples, spec) = front_end(&bytes, f, lm);
        assert!((seconds - 30.0).abs() < 0.1, "{}: {seconds} s", f.display());
        assert_eq!(spec.dim(), (1 + samples / params.hop_length, params.n_mels), "{}", f.display());
        let silence = params.log_epsilon.ln() as f32;
        assert!(spec.iter().all(|v| v.is_finite() && *v >= silence - 1e-3), "{}", f.display());
        // Music, not silence: most frames well above the log of ε (88 % of them in this file).
        let loud = spec.rows().into_iter().filter(|r| r.iter().any(|v| *v > silence + 10.0)).count();
        assert!(loud * 4 > spec.nrows() * 3, "{}: {loud} of {} frames audible", f.display(), spec.nrows());
    }
    println!("front end checked on {} files (cargo bench -p shared --bench frontend measures it)", files.len());
}

fn main() {
    let mp3 = root().join("bench/audio/real-music-30s.mp3");
    let data = root().join("target/bench-data");
    std::fs::create_dir_all(&data).unwrap();
    let wav = data.join("real-music-30s-44k-stereo.wav");
    make_wav(&mp3, &wav);
    let lm = LogMel::new(&FrontEndParams::default()).unwrap();
    let files = [wav.as_path(), mp3.as_path()];
    // `cargo bench` passes --bench; `cargo test --bench frontend` does not, and gets the check.
    if !std::env::args().any(|a| a == "--bench") {
        check(&files, &lm);
        return;
    }
    let theirs = librosa(&files);
    println!("\nfront end: decode + resample to 22,050 Hz + log-mel (128 bands), one thread, median");
    println!("| file | audio s | ours ms | ours × real time | librosa ms | librosa × real time | ours vs librosa |");
    println!("|---|---|---|---|---|---|---|");
    for (f, t_ref) in files.iter().zip(theirs) {
        let (secs, t) = ours(f, &lm);
        let name = f.file_name().unwrap().to_string_lossy();
        println!(
            "| {name} | {secs:.1} | {:.1} | {:.0}× | {:.1} | {:.0}× | {:.1}× faster |",
            t * 1e3,
            secs / t,
            t_ref * 1e3,
            secs / t_ref,
            t_ref / t
        );
    }
}
