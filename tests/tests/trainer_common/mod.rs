//! A tiny generated dataset in the IRMAS layout, for end-to-end tests of the trainer.
//!
//! Three labels with clearly different synthetic timbres: `cel` (low sawtooth-like bowed tone),
//! `flu` (high, nearly pure tone with breath noise), `pia` (struck harmonic tones decaying fast).
use std::path::Path;

const SR: u32 = 22_050;

/// A small deterministic PRNG for the fixture (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn tone(label: &str, f0: f64, seconds: f64, rng: &mut Rng) -> Vec<f32> {
    let n = (seconds * SR as f64) as usize;
    let tau = std::f64::consts::TAU;
    (0..n)
        .map(|i| {
            let t = i as f64 / SR as f64;
            let v = match label {
                "cel" => (1..12).map(|k| (tau * f0 * k as f64 * t).sin() / k as f64).sum::<f64>() * 0.4,
                "flu" => (tau * f0 * t).sin() * 0.6 + (rng.next() - 0.5) * 0.08,
                _ => {
                    let note = t % 0.5;
                    (1..6).map(|k| (tau * f0 * k as f64 * t).sin() / (k * k) as f64).sum::<f64>()
                        * (-note * 8.0).exp()
                        * 0.8
                }
            };
            v as f32
        })
        .collect()
}

fn write_wav(path: &Path, samples: &[f32]) {
    std::fs::write(path, e2e::wav_bytes(samples, SR)).unwrap();
}

fn pitch(label: &str, rng: &mut Rng) -> f64 {
    match label {
        "cel" => 65.0 + rng.next() * 80.0,
        "flu" => 500.0 + rng.next() * 600.0,
        _ => 180.0 + rng.next() * 250.0,
    }
}

/// Writes `root/IRMAS-TrainingData/<label>/[<label>][nod][cla]<song>__<k>.wav` (3 s each) and
/// `root/test/*.wav` (5 s, one or two labels mixed) with `.txt` label files.
pub fn make_dataset(root: &Path, songs_per_label: usize) {
    let labels = ["cel", "flu", "pia"];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for label in labels {
        let dir = root.join("IRMAS-TrainingData").join(label);
        std::fs::create_dir_all(&dir).unwrap();
        for song in 0..songs_per_label {
            let f0 = pitch(label, &mut rng);
            let audio = tone(label, f0, 9.0, &mut rng);
            for k in 0..3 {
                let excerpt = &audio[k * 3 * SR as usize..(k + 1) * 3 * SR as usize];
                write_wav(&dir.join(format!("[{label}][nod][cla]{song:04}__{}.wav", k + 1)), excerpt);
            }
        }
    }
    let test = root.join("test");
    std::fs::create_dir_all(&test).unwrap();
    let cases: [&[&str]; 6] = [&["cel"], &["flu"], &["pia"], &["cel", "flu"], &["flu", "pia"], &["pia"]];
    for (i, case) in cases.iter().enumerate() {
        let mut mix = vec![0.0f32; 5 * SR as usize];
        for label in *case {
            let f0 = pitch(label, &mut rng);
            for (m, v) in mix.iter_mut().zip(tone(label, f0, 5.0, &mut rng)) {
                *m += v / case.len() as f32;
            }
        }
        write_wav(&test.join(format!("mix{i}.wav")), &mix);
        std::fs::write(test.join(format!("mix{i}.txt")), case.join("\n") + "\n").unwrap();
    }
}
