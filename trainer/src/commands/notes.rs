//! `trainer notes`: the isolated-note check from the pack's held-out performers.
use std::fmt::Write as _;

use anyhow::Context;
use shared::labels::LABELS;
use trainer::synth::real::{held_out_recordings, HeldOutRecording};

use crate::cli::NotesArgs;

pub fn run(args: &NotesArgs) -> anyhow::Result<()> {
    let pack = args
        .real_instruments
        .canonicalize()
        .with_context(|| format!("the pack {}", args.real_instruments.display()))?;
    let all = held_out_recordings(&pack)?;
    let mut table = String::from("file,labels\n");
    for (label, code) in LABELS.iter().enumerate() {
        let mine: Vec<&HeldOutRecording> = all.iter().filter(|r| r.label == label).collect();
        // Notes where the performer has them (voice has phrases only).
        let notes: Vec<&HeldOutRecording> = match mine.iter().any(|r| r.note) {
            true => mine.into_iter().filter(|r| r.note).collect(),
            false => mine,
        };
        let picked = pick(notes, args.per_label, args.min_seconds);
        let performers: std::collections::BTreeSet<&str> = picked.iter().map(|r| r.performer.as_str()).collect();
        let shortest = picked.iter().map(|r| r.duration_s).fold(f64::INFINITY, f64::min);
        println!(
            "{code}: {} recordings of {} (shortest {shortest:.1} s)",
            picked.len(),
            performers.into_iter().collect::<Vec<_>>().join(", ")
        );
        for r in picked {
            writeln!(table, "{},{code}", pack.join(&r.file).display())?;
        }
    }
    std::fs::create_dir_all(&args.out)?;
    let path = args.out.join("labels.csv");
    std::fs::write(&path, table).with_context(|| format!("writing {}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// Up to `n` recordings, spread evenly over those at least `min_seconds` long ordered by length
/// (so not only the longest); the longest of the rest where too few are that long.
fn pick(mut recs: Vec<&HeldOutRecording>, n: usize, min_seconds: f64) -> Vec<&HeldOutRecording> {
    recs.sort_by(|a, b| b.duration_s.total_cmp(&a.duration_s).then_with(|| a.file.cmp(&b.file)));
    let long = recs.iter().filter(|r| r.duration_s >= min_seconds).count();
    if long <= n {
        return recs.into_iter().take(n).collect();
    }
    (0..n).filter_map(|i| recs.get(i * long / n).copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(file: &str, duration_s: f64) -> HeldOutRecording {
        HeldOutRecording { file: file.into(), label: 0, performer: "p".into(), note: true, duration_s }
    }

    #[test]
    fn picks_spread_over_the_long_ones_or_the_longest_when_few() {
        let recs: Vec<HeldOutRecording> = (0..10).map(|i| rec(&format!("{i}"), i as f64)).collect();
        let refs: Vec<&HeldOutRecording> = recs.iter().collect();
        let got: Vec<f64> = pick(refs.clone(), 3, 2.0).iter().map(|r| r.duration_s).collect();
        assert_eq!(got, vec![9.0, 7.0, 4.0], "8 long ones (2-9 s), every third or so");
        let got: Vec<f64> = pick(refs, 3, 8.5).iter().map(|r| r.duration_s).collect();
        assert_eq!(got, vec![9.0, 8.0, 7.0], "one long enough: the longest three");
    }
}
