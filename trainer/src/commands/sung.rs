//! `trainer sung`: voice over its own accompaniment, from the MIR-1K singers the split holds
//! out of training. Real songs have a band under the voice, and a model tuned on lone notes can
//! hear a sung line over karaoke as cello or violin; the isolated notes do not show that.
use std::fmt::Write as _;

use anyhow::Context;
use shared::audio::{decode_file, DecodeOptions};
use shared::labels::label_index;
use trainer::synth::real::{accompaniment_path, held_out_recordings};
use trainer::synth::write_float_wav;

use crate::cli::SungArgs;

const SAMPLE_RATE: u32 = 22_050;

pub fn run(args: &SungArgs) -> anyhow::Result<()> {
    let pack = args
        .real_instruments
        .canonicalize()
        .with_context(|| format!("the pack {}", args.real_instruments.display()))?;
    let voice = label_index("voi").context("voi is a label")?;
    let mut phrases: Vec<_> = held_out_recordings(&pack)?
        .into_iter()
        .filter(|r| r.label == voice && r.performer.starts_with("mir1k-"))
        .filter_map(|r| accompaniment_path(&r.file).map(|a| (r, a)))
        .collect();
    phrases.sort_by(|a, b| a.0.file.cmp(&b.0.file));
    anyhow::ensure!(!phrases.is_empty(), "{} holds out no MIR-1K singer", pack.display());
    std::fs::create_dir_all(&args.out)?;
    let mut table = String::from("file,labels,performer\n");
    let opts = DecodeOptions::default();
    for (r, accompaniment) in &phrases {
        let v = decode_file(&pack.join(&r.file), SAMPLE_RATE, &opts).with_context(|| format!("decoding {}", r.file))?;
        let a = decode_file(&pack.join(accompaniment), SAMPLE_RATE, &opts)
            .with_context(|| format!("decoding {accompaniment}"))?;
        // MIR-1K's mixture is the two channels summed; the pack keeps each one's level.
        let n = v.samples.len().max(a.samples.len());
        let mix: Vec<f32> = (0..n)
            .map(|i| v.samples.get(i).copied().unwrap_or(0.0) + a.samples.get(i).copied().unwrap_or(0.0))
            .collect();
        let name = r.file.rsplit('/').next().unwrap_or(&r.file).replace(".ogg", ".wav");
        write_float_wav(&args.out.join(&name), &mix, SAMPLE_RATE)?;
        writeln!(table, "{name},voi,{}", r.performer)?;
    }
    let path = args.out.join("labels.csv");
    std::fs::write(&path, table).with_context(|| format!("writing {}", path.display()))?;
    let singers: std::collections::BTreeSet<&str> = phrases.iter().map(|(r, _)| r.performer.as_str()).collect();
    println!(
        "{} phrases of {} written to {}",
        phrases.len(),
        singers.into_iter().collect::<Vec<_>>().join(", "),
        path.display()
    );
    Ok(())
}
