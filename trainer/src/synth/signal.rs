//! Signal tools for the renderings and the real leads: levels, a one-pole filter, mixing at a
//! margin, and effects: a guitar amplifier (the electric-guitar recordings are clean DI and
//! pickup signals, while most electric guitar in music is driven), a room (Schroeder reverb: the
//! orchestral samples are close and dry), a random equaliser (the colour of a microphone, a
//! room or a bank), and levels measured over the sounding part of a track.
use biquad::{Biquad, Coefficients, DirectForm2Transposed, ToHertz, Type};
use rand::{Rng, RngExt};

/// One-pole low-pass in place.
pub fn low_pass(x: &mut [f32], cutoff: f32, sample_rate: u32) {
    let a = (-2.0 * std::f32::consts::PI * cutoff / sample_rate as f32).exp();
    let mut y = 0.0f32;
    for v in x.iter_mut() {
        y = (1.0 - a) * *v + a * y;
        *v = y;
    }
}

/// One-pole high-pass in place.
fn high_pass(x: &mut [f32], cutoff: f32, sample_rate: u32) {
    let a = (-2.0 * std::f32::consts::PI * cutoff / sample_rate as f32).exp();
    let (mut y, mut prev) = (0.0f32, 0.0f32);
    for v in x.iter_mut() {
        y = a * (y + *v - prev);
        prev = *v;
        *v = y;
    }
}

/// A guitar amplifier: high-pass, pre-gain of 6–36 dB into an asymmetric soft clipper, and a
/// cabinet (two low-passes at 2.5–6 kHz). Keeps the input's peak level.
pub fn amp(x: &mut [f32], sample_rate: u32, rng: &mut impl Rng) {
    let peak_in = peak(x);
    if peak_in == 0.0 {
        return;
    }
    high_pass(x, rng.random_range(60.0..160.0), sample_rate);
    let drive = 10f32.powf(rng.random_range(6.0..36.0) / 20.0) / peak_in;
    let bias = rng.random_range(0.0..0.3f32);
    for v in x.iter_mut() {
        *v = (drive * *v + bias).tanh() - bias.tanh();
    }
    let cabinet = rng.random_range(2_500.0..6_000.0);
    low_pass(x, cabinet, sample_rate);
    low_pass(x, cabinet, sample_rate);
    high_pass(x, 40.0, sample_rate);
    restore_peak(x, peak_in);
}

/// Scales `x` back to the peak it had before an effect changed it.
fn restore_peak(x: &mut [f32], peak_before: f32) {
    let g = peak_before / peak(x).max(1e-9);
    x.iter_mut().for_each(|v| *v *= g);
}

/// A random equaliser: a low shelf (80–400 Hz), a high shelf (2–8 kHz) and one bell (200 Hz–
/// 5 kHz, Q 0.5–3), each ±10 dB. Banks, microphones and rooms colour the same instrument this
/// differently; an excerpt heard through it teaches its label (or its absence), not the one
/// colour a bank gave it. Keeps the input's peak level.
pub fn equalise(x: &mut [f32], sample_rate: u32, rng: &mut impl Rng) {
    let peak_in = peak(x);
    if peak_in == 0.0 {
        return;
    }
    let fs = (sample_rate as f32).hz();
    let gains: [f32; 3] = std::array::from_fn(|_| rng.random_range(-10.0..10.0));
    let bands = [
        (Type::LowShelf(gains[0]), rng.random_range(80.0..400.0f32), biquad::Q_BUTTERWORTH_F32),
        (Type::HighShelf(gains[1]), rng.random_range(2_000.0..8_000.0f32), biquad::Q_BUTTERWORTH_F32),
        (Type::PeakingEQ(gains[2]), rng.random_range(200.0..5_000.0f32), rng.random_range(0.5..3.0f32)),
    ];
    for (kind, f0, q) in bands {
        let c = Coefficients::<f32>::from_params(kind, fs, f0.min(0.45 * sample_rate as f32).hz(), q)
            .expect("corners below Nyquist and positive Q are valid biquad parameters: a bug");
        let mut filter = DirectForm2Transposed::<f32>::new(c);
        x.iter_mut().for_each(|v| *v = filter.run(*v));
    }
    restore_peak(x, peak_in);
}

/// A room: Schroeder's reverberator (four parallel feedback combs, two series all-passes) with a
/// decay time of 0.3–2 s, mixed in at 10–45 %.
pub fn room(x: &mut [f32], sample_rate: u32, rng: &mut impl Rng) {
    let rt60 = rng.random_range(0.3..2.0f32);
    let wet = rng.random_range(0.10..0.45f32);
    let scale = sample_rate as f32 / 44_100.0;
    let mut combs = vec![0.0f32; x.len()];
    for delay_44k in [1557.0f32, 1617.0, 1491.0, 1422.0] {
        let d = ((delay_44k * scale) as usize).max(1);
        let g = 10f32.powf(-3.0 * d as f32 / sample_rate as f32 / rt60);
        let mut line = vec![0.0f32; d];
        for (i, (c, v)) in combs.iter_mut().zip(x.iter()).enumerate() {
            let slot = &mut line[i % d];
            let y = *v + g * *slot;
            *slot = y;
            *c += 0.25 * y;
        }
    }
    for delay_44k in [225.0f32, 556.0] {
        let d = ((delay_44k * scale) as usize).max(1);
        let mut line = vec![0.0f32; d];
        for (i, c) in combs.iter_mut().enumerate() {
            let slot = &mut line[i % d];
            let delayed = *slot;
            let y = -0.5 * *c + delayed;
            *slot = *c + 0.5 * y;
            *c = y;
        }
    }
    for (v, c) in x.iter_mut().zip(&combs) {
        *v = (1.0 - wet) * *v + wet * c;
    }
}

pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// RMS over the blocks of 2,048 samples that sound (RMS within 30 dB of the loudest block), so
/// a lead with rests and a steady backing compare as a listener hears them. 0 for silence.
pub fn active_rms(x: &[f32]) -> f32 {
    let blocks: Vec<f32> =
        x.chunks(2_048).map(|b| (b.iter().map(|v| v * v).sum::<f32>() / b.len() as f32).sqrt()).collect();
    let loudest = blocks.iter().copied().fold(0.0f32, f32::max);
    if loudest == 0.0 {
        return 0.0;
    }
    let sounding: Vec<f32> = blocks.into_iter().filter(|&b| b >= loudest * 0.0316).collect();
    (sounding.iter().map(|b| b * b).sum::<f32>() / sounding.len().max(1) as f32).sqrt()
}

/// Mixes `lead` over `background` with the lead `margin_db` louder (active RMS), in place in
/// `lead`. A silent background leaves the lead alone.
pub fn mix_over(lead: &mut [f32], background: &[f32], margin_db: f32) {
    let (l, b) = (active_rms(lead), active_rms(background));
    if l == 0.0 || b == 0.0 {
        return;
    }
    let g = b * 10f32.powf(margin_db / 20.0) / l;
    for (v, a) in lead.iter_mut().zip(background) {
        *v = g * *v + a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Power of `x` at `f` Hz (one DFT bin).
    fn power_at(x: &[f32], f: f32, sample_rate: u32) -> f32 {
        let w = 2.0 * std::f32::consts::PI * f / sample_rate as f32;
        let (re, im) = x
            .iter()
            .enumerate()
            .fold((0.0f32, 0.0f32), |(re, im), (i, &v)| (re + v * (w * i as f32).cos(), im - v * (w * i as f32).sin()));
        re * re + im * im
    }

    #[test]
    fn the_equaliser_colours_the_spectrum_and_keeps_the_peak() {
        // Two tones, 100 Hz and 6 kHz: across draws the balance between them moves both ways
        // by several dB, the peak stays and nothing blows up.
        let sr = 22_050;
        let x: Vec<f32> = (0..sr as usize)
            .map(|i| {
                let t = i as f32 / sr as f32;
                0.4 * (2.0 * std::f32::consts::PI * 100.0 * t).sin()
                    + 0.4 * (2.0 * std::f32::consts::PI * 6_000.0 * t).sin()
            })
            .collect();
        let balance = |y: &[f32]| 10.0 * (power_at(y, 6_000.0, sr) / power_at(y, 100.0, sr)).log10();
        let before = balance(&x);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let moved: Vec<f32> = (0..20)
            .map(|_| {
                let mut y = x.clone();
                equalise(&mut y, sr, &mut rng);
                assert!(y.iter().all(|v| v.is_finite()));
                assert!((peak(&y) - peak(&x)).abs() < 1e-4);
                balance(&y) - before
            })
            .collect();
        let (lo, hi) = moved.iter().fold((f32::MAX, f32::MIN), |(l, h), &m| (l.min(m), h.max(m)));
        assert!(lo < -6.0 && hi > 6.0, "{moved:?}");
        let mut silent = vec![0.0f32; 100];
        equalise(&mut silent, sr, &mut rng);
        assert!(silent.iter().all(|&v| v == 0.0));
    }

    fn tone(n: usize) -> Vec<f32> {
        test_support::sine_frames(22_050, 1, 210.0, 0.4, n)
    }

    #[test]
    fn the_amp_keeps_the_peak_and_adds_harmonics() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let clean = tone(22_050);
        let mut x = clean.clone();
        amp(&mut x, 22_050, &mut rng);
        assert!((peak(&x) - peak(&clean)).abs() < 1e-4);
        assert!(x.iter().all(|v| v.is_finite()));
        // Driven: the waveform is squarer, so its RMS over peak rises above a sine's 0.707.
        let crest = active_rms(&x[2_000..]) / peak(&x[2_000..]);
        assert!(crest > 0.72, "{crest}");
        let mut silent = vec![0.0f32; 100];
        amp(&mut silent, 22_050, &mut rng);
        assert!(silent.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn the_room_leaves_a_tail_and_stays_bounded() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut x = vec![0.0f32; 22_050];
        x[..2_205].copy_from_slice(&tone(2_205));
        room(&mut x, 22_050, &mut rng);
        assert!(x.iter().all(|v| v.is_finite() && v.abs() < 2.0));
        assert!(active_rms(&x[4_410..8_820]) > 1e-4, "a tail after the sound stops");
    }

    #[test]
    fn mixing_sets_the_margin() {
        let lead = tone(44_100);
        let background: Vec<f32> = (0..44_100).map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.2).collect();
        let mut mixed = lead.clone();
        mix_over(&mut mixed, &background, 6.0);
        let scaled: Vec<f32> = mixed.iter().zip(&background).map(|(m, b)| m - b).collect();
        let ratio = 20.0 * (active_rms(&scaled) / active_rms(&background)).log10();
        assert!((ratio - 6.0).abs() < 0.05, "{ratio}");
        let mut alone = lead.clone();
        mix_over(&mut alone, &[0.0; 44_100], 6.0);
        assert_eq!(alone, lead);
    }

    #[test]
    fn active_rms_ignores_rests() {
        let mut x = tone(40_960);
        x[20_480..].iter_mut().for_each(|v| *v = 0.0);
        assert!((active_rms(&x) - active_rms(&tone(20_480))).abs() < 1e-3);
        assert_eq!(active_rms(&[0.0; 10]), 0.0);
    }
}
