//! A corpus of hostile and odd uploads, generated (never downloaded), each with the answer the
//! server must give: the status and, for errors, the `error_type`. The server under test runs
//! with `--max-audio-seconds` [`DURATION_LIMIT`].
//!
//! The policy the expectations encode: what cannot be decoded whole is refused with a 4xx that
//! names the problem. A stream cut short (missing data the header declares, a packet cut in
//! two) is `truncated` rather than silently scored on what is left; a header that lies or that
//! the decoder does not read (a data size past the end of the file, 0 or 64 channels in a plain
//! PCM WAV) is `corrupt`; bytes no decoder recognises are `unknown_format` (415). Odd but valid
//! audio (8/24-bit, float with NaN and Inf, DC, full-scale square, silence, 10 ms, 384 kHz, a
//! 2-MB ID3 tag, HTML bytes as samples) is scored (200).
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The duration limit the corpus is built around (seconds).
pub const DURATION_LIMIT: f64 = 20.0;

/// One upload and what it must get.
pub struct Case {
    pub name: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// The expected status, and for an error the expected `error_type`.
    pub status: u16,
    pub error_type: Option<&'static str>,
}

fn ok(name: &str, content_type: &'static str, body: Vec<u8>) -> Case {
    Case { name: name.into(), content_type, body, status: 200, error_type: None }
}

fn bad(name: &str, content_type: &'static str, body: Vec<u8>, status: u16, error_type: &'static str) -> Case {
    Case { name: name.into(), content_type, body, status, error_type: Some(error_type) }
}

pub use crate::audio::{wav, Fmt};

/// A tone with a little noise, interleaved for `channels`.
pub fn tone(rate: u32, channels: u16, seconds: f64, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = (rate as f64 * seconds) as usize;
    let mut out = Vec::with_capacity(n * channels as usize);
    for i in 0..n {
        let t = i as f32 / rate as f32;
        let v = 0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin() + 0.05 * rng.random_range(-1.0f32..1.0);
        out.extend(std::iter::repeat_n(v, channels as usize));
    }
    out
}

/// A FLAC stream of `seconds` of digital silence: a few kilobytes that decode to a long signal.
pub fn silent_flac(seconds: f64, block: usize) -> Vec<u8> {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;
    let rate = 8_000;
    // A whole number of blocks: flacenc counts a short last block in STREAMINFO's minimum block
    // size (the format excludes it), which makes a strict reader see a variable block size.
    let n = (rate as f64 * seconds) as usize / block * block;
    let samples = vec![0i32; n];
    let mut config = flacenc::config::Encoder::default();
    config.block_size = block;
    let config = config.into_verified().expect("a valid FLAC configuration");
    let source = flacenc::source::MemSource::from_samples(&samples, 1, 16, rate);
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size).expect("FLAC encoding");
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream.write(&mut sink).expect("FLAC serialisation");
    sink.as_slice().to_vec()
}

/// An ID3v2.3 tag of about `size` bytes (one private frame of filler) in front of `mp3`.
fn with_huge_id3(mp3: &[u8], size: usize) -> Vec<u8> {
    let mut frame = b"PRIV".to_vec();
    let payload = size - 10;
    frame.extend_from_slice(&(payload as u32).to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(b"filler\0");
    frame.resize(10 + payload, 0xAA);
    // Tag size: 28 bits, 7 per byte ("synchsafe").
    let n = frame.len() as u32;
    let synchsafe = [(n >> 21) as u8 & 0x7F, (n >> 14) as u8 & 0x7F, (n >> 7) as u8 & 0x7F, n as u8 & 0x7F];
    let mut out = b"ID3\x03\x00\x00".to_vec();
    out.extend_from_slice(&synchsafe);
    out.extend_from_slice(&frame);
    out.extend_from_slice(mp3);
    out
}

fn cut(bytes: &[u8], fraction: f64) -> Vec<u8> {
    bytes[..(bytes.len() as f64 * fraction) as usize].to_vec()
}

/// Every case. `fixtures` is `shared/tests/fixtures` (encoded tones to truncate).
pub fn corpus(fixtures: &Path) -> Vec<Case> {
    let read = |name: &str| std::fs::read(fixtures.join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    let (flac, mp3, ogg) = (read("tone-44k-stereo-s16.flac"), read("tone-44k-stereo.mp3"), read("tone-44k-stereo.ogg"));
    let good = wav(22_050, 1, Fmt::I16, &tone(22_050, 1, 2.0, 1), None);
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let random: Vec<u8> = (0..65_536).map(|_| rng.random::<u8>()).collect();
    let square: Vec<f32> = (0..22_050 * 2).map(|i| if (i / 50) % 2 == 0 { 1.0 } else { -1.0 }).collect();
    let huge: Vec<f32> = tone(48_000, 2, 1.0, 15).iter().map(|v| v * f32::MAX).collect();
    let nan_inf: Vec<f32> = tone(22_050, 1, 2.0, 2)
        .iter()
        .enumerate()
        .map(|(i, &v)| match i % 100 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            _ => v,
        })
        .collect();
    // A valid WAV whose sample data is an HTML page (4,096 bytes: 2,048 16-bit samples).
    let page = "<!doctype html><html><body><script>alert('x')</script>".repeat(80);
    let mut html_in_wav = wav(22_050, 1, Fmt::I16, &vec![0.0; 2048], None);
    let header = html_in_wav.len() - 4096;
    html_in_wav[header..].copy_from_slice(&page.as_bytes()[..4096]);
    let (a, w) = ("audio/wav", "audio/wav");
    vec![
        bad("empty", "application/octet-stream", Vec::new(), 400, "empty_body"),
        bad("one-byte", "application/octet-stream", vec![0x52], 415, "unknown_format"),
        bad("random-bytes-as-wav", a, random.clone(), 415, "unknown_format"),
        bad("random-bytes-as-mpeg", "audio/mpeg", random, 415, "unknown_format"),
        bad("html-as-audio", a, page.into_bytes(), 415, "unknown_format"),
        bad("wav-cut-in-riff-header", w, good[..10].to_vec(), 400, "corrupt"),
        bad("wav-cut-in-fmt-chunk", w, good[..30].to_vec(), 400, "truncated"),
        bad("wav-header-without-data", w, good[..44].to_vec(), 400, "truncated"),
        bad("wav-cut-in-data", w, cut(&good, 0.5), 400, "truncated"),
        bad(
            "wav-claims-4gb-of-data",
            w,
            wav(22_050, 1, Fmt::I16, &tone(22_050, 1, 1.0, 3), Some(u32::MAX - 64)),
            400,
            "corrupt",
        ),
        bad("wav-rate-0", w, wav(0, 1, Fmt::I16, &tone(8_000, 1, 1.0, 4), None), 400, "zero_sample_rate"),
        bad("wav-rate-1hz", w, wav(1, 1, Fmt::I16, &tone(8_000, 1, 1.0, 5), None), 400, "unsupported_sample_rate"),
        ok("wav-rate-384khz", w, wav(384_000, 1, Fmt::I16, &tone(384_000, 1, 1.0, 6), None)),
        bad("wav-0-channels", w, wav(22_050, 0, Fmt::I16, &tone(22_050, 1, 1.0, 7), None), 400, "corrupt"),
        bad("wav-64-channels", w, wav(8_000, 64, Fmt::I16, &tone(8_000, 64, 1.0, 8), None), 400, "corrupt"),
        ok("wav-8-bit", w, wav(22_050, 1, Fmt::U8, &tone(22_050, 1, 2.0, 9), None)),
        ok("wav-24-bit", w, wav(44_100, 2, Fmt::I24, &tone(44_100, 2, 2.0, 10), None)),
        ok("wav-float", w, wav(48_000, 1, Fmt::F32, &tone(48_000, 1, 2.0, 11), None)),
        ok("wav-float-nan-inf", w, wav(22_050, 1, Fmt::F32, &nan_inf, None)),
        // Found by fuzzing: near-f32::MAX samples that must be resampled overflowed the
        // resampler's FFT (a panic); they are clamped now.
        ok("wav-float-huge-48khz", w, wav(48_000, 2, Fmt::F32, &huge, None)),
        ok("wav-dc", w, wav(22_050, 1, Fmt::I16, &vec![0.7; 22_050 * 2], None)),
        ok("wav-full-scale-square", w, wav(22_050, 1, Fmt::I16, &square, None)),
        ok("wav-silence", w, wav(22_050, 1, Fmt::I16, &vec![0.0; 22_050 * 2], None)),
        ok("wav-10-ms", w, wav(22_050, 1, Fmt::I16, &tone(22_050, 1, 0.01, 12), None)),
        ok("wav-just-under-the-limit", w, wav(8_000, 1, Fmt::U8, &tone(8_000, 1, DURATION_LIMIT - 0.5, 13), None)),
        bad(
            "wav-just-over-the-limit",
            w,
            wav(8_000, 1, Fmt::U8, &tone(8_000, 1, DURATION_LIMIT + 0.5, 14), None),
            413,
            "too_long",
        ),
        ok("flac-whole", "audio/flac", flac.clone()),
        bad("flac-cut-at-1-percent", "audio/flac", cut(&flac, 0.01), 400, "truncated"),
        bad("flac-cut-at-50-percent", "audio/flac", cut(&flac, 0.5), 400, "truncated"),
        bad("flac-cut-at-90-percent", "audio/flac", cut(&flac, 0.9), 400, "truncated"),
        bad("flac-bomb-30-minutes-of-silence", "audio/flac", silent_flac(1800.0, 4096), 413, "too_long"),
        bad("mp3-cut-at-1-percent", "audio/mpeg", cut(&mp3, 0.01), 400, "corrupt"),
        bad("mp3-cut-at-50-percent", "audio/mpeg", cut(&mp3, 0.5), 400, "truncated"),
        ok("mp3-with-a-2-mb-id3-tag", "audio/mpeg", with_huge_id3(&mp3, 2 << 20)),
        bad("ogg-cut-at-1-percent", "audio/ogg", cut(&ogg, 0.01), 400, "truncated"),
        bad("ogg-cut-at-50-percent", "audio/ogg", cut(&ogg, 0.5), 400, "truncated"),
        ok("polyglot-wav-with-html-data", w, html_in_wav),
    ]
}
