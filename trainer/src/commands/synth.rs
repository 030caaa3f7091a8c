//! `trainer synth`: render the corpus and report its size and speed.
use trainer::synth::{render_corpus, CorpusConfig};

use crate::cli::SynthArgs;

pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.hours > 0.0, "--hours must be positive");
    let train_songs = (args.hours * 3600.0 / 9.0).ceil() as usize;
    for (flag, share) in [
        ("--sparse-share", args.sparse_share),
        ("--sparse-rendered-share", args.sparse_rendered_share),
        ("--real-backing-share", args.real_backing_share),
        ("--eq-share", args.eq_share),
    ] {
        anyhow::ensure!((0.0..=1.0).contains(&share), "{flag} must be in 0..=1");
    }
    // The shares of real material mean nothing without the real recordings.
    let real = |share: f64| if args.real_instruments.is_some() { share } else { 0.0 };
    let config = CorpusConfig {
        out: args.out.clone(),
        seed: args.seed,
        train_songs,
        test_clips: args.test_clips.unwrap_or((train_songs / 5).max(22)),
        train_banks: args.train_bank.clone(),
        test_banks: args.test_bank.clone(),
        sample_rate: args.sample_rate,
        real_instruments: args.real_instruments.clone(),
        real_share: real(args.real_share),
        sparse_share: real(args.sparse_share),
        sparse_rendered_share: real(args.sparse_rendered_share),
        real_backing_share: real(args.real_backing_share),
        negative_share: args.negative_share,
        real_negatives: args.real_negatives.clone().filter(|_| args.negative_share > 0.0),
        negative_weights: if args.negative_share > 0.0 { args.negative_weight.clone() } else { Vec::new() },
        eq_share: args.eq_share,
    };
    let s = render_corpus(&config)?;
    if s.real_songs > 0 {
        println!(
            "{} of {} training songs have a real lead ({} from recorded notes, {} from recorded phrases)",
            s.real_songs, train_songs, s.real_note_songs, s.real_phrase_songs
        );
    }
    if s.negative_files > 0 {
        println!("{} negative excerpts (none of the labels)", s.negative_files);
    }
    println!(
        "{} training excerpts, {} test clips, {:.2} h of audio in {:.0} s: {:.2} hours of audio per minute",
        s.train_files, s.test_files, s.audio_hours, s.render_seconds, s.hours_per_minute
    );
    Ok(())
}
