//! `trainer synth`: render the corpus and report its size and speed.
use trainer::synth::{render_corpus, CorpusConfig};

use crate::cli::SynthArgs;

pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.hours > 0.0, "--hours must be positive");
    let train_songs = (args.hours * 3600.0 / 9.0).ceil() as usize;
    let config = CorpusConfig {
        out: args.out.clone(),
        seed: args.seed,
        train_songs,
        test_clips: args.test_clips.unwrap_or((train_songs / 5).max(22)),
        train_banks: args.train_bank.clone(),
        test_banks: args.test_bank.clone(),
        sample_rate: args.sample_rate,
    };
    let s = render_corpus(&config)?;
    println!(
        "{} training excerpts, {} test clips, {:.2} h of audio in {:.0} s: {:.2} hours of audio per minute",
        s.train_files, s.test_files, s.audio_hours, s.render_seconds, s.hours_per_minute
    );
    Ok(())
}
