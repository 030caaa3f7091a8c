//! `trainer negatives`: the visible negative check, clips in which none of the labels plays.
//! Rendered clips come from banks the model never trained on; the made ones cover what a user
//! uploads when nothing plays: digital silence, hiss far below and near the audible floor, loud
//! noise of three colours, mains hum, clicks and room tone. Levels are the clip's own (RMS in
//! dBFS), not normalised, so the server's audible floor is part of what is checked.
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::Context;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustysynth::SoundFont;
use trainer::synth::negatives::{coloured_noise, render_negative, NegativeKind};
use trainer::synth::signal::peak;
use trainer::synth::write_float_wav;

use crate::cli::NegativesArgs;

const SAMPLE_RATE: u32 = 22_050;

/// The made clips: a name, the kind of sound and its RMS level in dBFS (`None`: digital zero).
const MADE: &[(&str, Made, Option<f32>)] = &[
    ("silence", Made::Silence, None),
    ("hiss-80dbfs", Made::Noise(0), Some(-80.0)),
    ("hiss-70dbfs", Made::Noise(0), Some(-70.0)),
    ("hiss-60dbfs", Made::Noise(0), Some(-60.0)),
    ("hiss-50dbfs", Made::Noise(0), Some(-50.0)),
    ("white-noise-30dbfs", Made::Noise(0), Some(-30.0)),
    ("white-noise-10dbfs", Made::Noise(0), Some(-10.0)),
    ("pink-noise-40dbfs", Made::Noise(1), Some(-40.0)),
    ("pink-noise-15dbfs", Made::Noise(1), Some(-15.0)),
    ("brown-noise-40dbfs", Made::Noise(2), Some(-40.0)),
    ("brown-noise-15dbfs", Made::Noise(2), Some(-15.0)),
    ("hum-50dbfs", Made::Kind(NegativeKind::Hum), Some(-50.0)),
    ("hum-25dbfs", Made::Kind(NegativeKind::Hum), Some(-25.0)),
    ("clicks-40dbfs", Made::Kind(NegativeKind::Clicks), Some(-40.0)),
    ("clicks-20dbfs", Made::Kind(NegativeKind::Clicks), Some(-20.0)),
    ("room-tone-55dbfs", Made::Kind(NegativeKind::RoomTone), Some(-55.0)),
    ("room-tone-35dbfs", Made::Kind(NegativeKind::RoomTone), Some(-35.0)),
];

#[derive(Clone, Copy)]
enum Made {
    Silence,
    Noise(u32),
    Kind(NegativeKind),
}

/// The rendered kinds, taking turns.
const RENDERED: [NegativeKind; 4] =
    [NegativeKind::Drums, NegativeKind::DrumsBass, NegativeKind::OtherProgram, NegativeKind::Bass];

pub fn run(args: &NegativesArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.seconds > 0.0 && args.seconds <= 60.0, "--seconds must be in (0, 60]");
    anyhow::ensure!(!args.bank.is_empty(), "no --bank");
    let fonts = args
        .bank
        .iter()
        .map(|p| {
            let mut f = std::fs::File::open(p).with_context(|| format!("opening sample bank {}", p.display()))?;
            SoundFont::new(&mut f).map(Arc::new).map_err(|e| anyhow::anyhow!("{}: {e:?}", p.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    std::fs::create_dir_all(&args.out)?;
    let n = (args.seconds * SAMPLE_RATE as f64).round() as usize;
    let mut table = String::from("file,labels,kind\n");
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    for (name, made, level) in MADE {
        let x = match *made {
            Made::Silence => vec![0.0; n],
            Made::Noise(colour) => coloured_noise(n, colour, &mut rng),
            Made::Kind(kind) => render_negative(kind, &fonts[0], None, args.seconds, SAMPLE_RATE, &mut rng)?,
        };
        let x = level.map_or(x.clone(), |db| at_rms(&x, db));
        let file = format!("made-{name}.wav");
        write_float_wav(&args.out.join(&file), &x, SAMPLE_RATE)?;
        writeln!(table, "{file},,{name}")?;
    }
    for j in 0..args.rendered {
        let kind = RENDERED[j % RENDERED.len()];
        let font = &fonts[(j / RENDERED.len()) % fonts.len()];
        let x = render_negative(kind, font, None, args.seconds, SAMPLE_RATE, &mut rng)?;
        // A level a recording might have: peak 1 to 20 dB below full scale.
        let peak = peak(&x);
        anyhow::ensure!(peak > 0.0, "clip {j} ({kind}) rendered silent");
        let gain = 10f32.powf(-rng.random_range(1.0..20.0f32) / 20.0) / peak;
        let file = format!("rendered-{j:03}-{kind}.wav");
        write_float_wav(&args.out.join(&file), &x.iter().map(|v| v * gain).collect::<Vec<_>>(), SAMPLE_RATE)?;
        writeln!(table, "{file},,{kind}")?;
    }
    let path = args.out.join("labels.csv");
    std::fs::write(&path, table).with_context(|| format!("writing {}", path.display()))?;
    println!("{} clips written to {}", MADE.len() + args.rendered, path.display());
    Ok(())
}

/// `x` scaled to an RMS of `db` dBFS.
fn at_rms(x: &[f32], db: f32) -> Vec<f32> {
    let rms = (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt().max(1e-12);
    let g = 10f32.powf(db / 20.0) / rms;
    x.iter().map(|v| (v * g).clamp(-1.0, 1.0)).collect()
}
