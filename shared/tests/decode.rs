//! Decoding every supported format, channel layout and sample rate, and every kind of bad input.

use std::io::Cursor;
use std::path::PathBuf;

use shared::audio::{decode, decode_file, DecodeOptions, Decoded};
use shared::frontend::{logmel_of, FrontEndParams, WindowParams, Windows};
use shared::Error;

const SR: u32 = 22_050;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn decode_bytes(bytes: Vec<u8>, ext: &str) -> Result<Decoded, Error> {
    let opts = DecodeOptions { extension: Some(ext.into()), ..Default::default() };
    decode(Box::new(Cursor::new(bytes)), SR, &opts)
}

/// Amplitude of the `freq` component of `x` (sampled at 22,050 Hz), by correlation.
fn amplitude_at(x: &[f32], freq: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq * i as f64 / SR as f64;
        re += v as f64 * ph.cos();
        im += v as f64 * ph.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

/// A WAV of `seconds` of a 440 Hz tone (amplitude 0.5) on every channel, in the given sample format.
fn tone_wav(rate: u32, channels: u16, bits: u16, float: bool, seconds: f64) -> Vec<u8> {
    use test_support::Fmt;
    let fmt = match (float, bits) {
        (true, _) => Fmt::F32,
        (false, 8) => Fmt::U8,
        (false, 16) => Fmt::I16,
        (false, 24) => Fmt::I24,
        (false, _) => Fmt::I32,
    };
    test_support::wav(rate, channels, fmt, &test_support::sine(rate, channels, 440.0, 0.5, seconds), None)
}

fn assert_tone(d: &Decoded, seconds: f64, tolerance_s: f64) {
    assert_eq!(d.sample_rate, SR);
    assert!((d.duration_seconds() - seconds).abs() <= tolerance_s, "duration {}", d.duration_seconds());
    let expected_len = (d.duration_seconds() * SR as f64).ceil() as usize;
    assert!((d.samples.len() as isize - expected_len as isize).abs() <= 1);
    let body = &d.samples[d.samples.len() / 8..d.samples.len() * 7 / 8];
    let a440 = amplitude_at(body, 440.0);
    assert!((a440 - 0.5).abs() < 0.03, "440 Hz amplitude {a440}");
    assert!(amplitude_at(body, 1000.0) < 0.01);
}

#[test]
fn wav_integer_and_float_sample_formats() {
    for (bits, float) in [(8, false), (16, false), (24, false), (32, false), (32, true)] {
        let d = decode_bytes(tone_wav(44_100, 1, bits, float, 1.5), "wav")
            .unwrap_or_else(|e| panic!("{bits}-bit float={float}: {e}"));
        assert_eq!(d.source_sample_rate, 44_100);
        assert_tone(&d, 1.5, 1e-9);
    }
}

#[test]
fn odd_sample_rates_are_resampled() {
    for rate in [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000] {
        let d = decode_bytes(tone_wav(rate, 1, 16, false, 1.0), "wav").unwrap();
        assert_eq!(d.source_sample_rate, rate);
        assert_tone(&d, 1.0, 1e-9);
    }
}

#[test]
fn multichannel_is_downmixed_by_the_mean() {
    for channels in [2, 6, 8] {
        let d = decode_bytes(tone_wav(48_000, channels, 16, false, 1.0), "wav").unwrap();
        assert_eq!(d.source_channels, channels as usize);
        assert_tone(&d, 1.0, 1e-9);
    }
}

#[test]
fn encoded_formats() {
    // (file, duration tolerance): lossy codecs add encoder priming, AAC about 1024 samples.
    for (name, tol) in [
        ("tone-44k-stereo-s16.flac", 1e-9),
        ("tone-44k-stereo-s24.flac", 1e-9),
        ("tone-44k-stereo.mp3", 0.03),
        ("tone-44k-stereo.ogg", 0.03),
        ("tone-44k-stereo.m4a", 0.05),
        ("tone-44k-stereo.aac", 0.05),
    ] {
        let d = decode_file(&fixture(name), SR, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((d.source_sample_rate, d.source_channels), (44_100, 2), "{name}");
        assert!((d.duration_seconds() - 2.0).abs() <= tol, "{name}: {}", d.duration_seconds());
        // Left 440 Hz, right 660 Hz at the same level: the mean downmix keeps both, equally.
        let body = &d.samples[5_000..40_000];
        let (a, b) = (amplitude_at(body, 440.0), amplitude_at(body, 660.0));
        assert!(a > 0.01 && (a / b - 1.0).abs() < 0.05, "{name}: 440 {a} vs 660 {b}");
        assert!(amplitude_at(body, 1000.0) < a / 50.0, "{name}");
    }
}

#[test]
fn six_channel_96k_flac_and_8k_mono_mp3() {
    let d = decode_file(&fixture("tone-96k-6ch.flac"), SR, &DecodeOptions::default()).unwrap();
    assert_eq!((d.source_sample_rate, d.source_channels), (96_000, 6));
    let d2 = decode_file(&fixture("tone-8k-mono.mp3"), SR, &DecodeOptions::default()).unwrap();
    assert_eq!((d2.source_sample_rate, d2.source_channels), (8_000, 1));
    for d in [d, d2] {
        assert!((d.duration_seconds() - 2.0).abs() < 0.03);
        let body = &d.samples[5_000..40_000];
        assert!(amplitude_at(body, 440.0) > 20.0 * amplitude_at(body, 1000.0));
    }
}

#[test]
fn silence_decodes_to_the_log_of_epsilon() {
    let cur = Cursor::new(test_support::wav_bytes(&vec![0.0; 44_100], 44_100));
    let p = FrontEndParams::default();
    let (d, spec) = logmel_of(Box::new(cur), &p, &DecodeOptions::default()).unwrap();
    assert!(d.samples.iter().all(|&x| x == 0.0));
    assert!(spec.iter().all(|&v| v == p.silence()));
}

#[test]
fn a_clip_shorter_than_a_window_gives_one_padded_window() {
    let p = FrontEndParams::default();
    let bytes = tone_wav(44_100, 2, 16, false, 0.3);
    let (d, spec) = logmel_of(Box::new(Cursor::new(bytes)), &p, &DecodeOptions::default()).unwrap();
    assert!((d.duration_seconds() - 0.3).abs() < 1e-9);
    assert_eq!(spec.dim().0, 1 + (0.3 * 22_050.0) as usize / 512);
    let w = Windows::cut(spec.view(), &WindowParams::default(), p.silence());
    assert_eq!(w.data.dim(), (1, 43, 128));
    assert_eq!(w.get(0)[[42, 0]], p.silence());
    assert!(w.get(0)[[3, 10]] > p.silence());
}

#[test]
fn nan_and_inf_samples_do_not_poison_the_clip() {
    let samples: Vec<f32> = (0..22_050)
        .map(|i| match i % 100 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            _ => (i as f32 * 0.1).sin() * 0.5,
        })
        .collect();
    let cur = Cursor::new(test_support::wav(22_050, 1, test_support::Fmt::F32, &samples, None));
    let (_, spec) = logmel_of(Box::new(cur), &FrontEndParams::default(), &DecodeOptions::default()).unwrap();
    assert!(spec.iter().all(|v| v.is_finite()));
}

#[test]
fn empty_input() {
    assert!(matches!(decode_bytes(vec![], "wav"), Err(Error::Empty)));
}

#[test]
fn non_audio_input() {
    let html = b"<!doctype html><html><body>not audio</body></html>".repeat(50);
    assert!(matches!(decode_bytes(html, "bin"), Err(Error::UnknownFormat(_))));
    assert!(matches!(decode_bytes(vec![7], "bin"), Err(Error::UnknownFormat(_))));
    // Random bytes, even with a misleading hint.
    let mut s = 1u32;
    let noise: Vec<u8> = (0..10_000)
        .map(|_| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (s >> 16) as u8
        })
        .collect();
    let r = decode_bytes(noise, "mp3");
    assert!(matches!(r, Err(Error::UnknownFormat(_)) | Err(Error::Corrupt(_))), "{r:?}");
}

#[test]
fn truncated_files() {
    let wav = tone_wav(44_100, 2, 16, false, 2.0);
    let cut = wav[..wav.len() * 6 / 10].to_vec();
    assert!(matches!(decode_bytes(cut, "wav"), Err(Error::Truncated(_))));
    for name in ["tone-44k-stereo-s16.flac", "tone-44k-stereo.mp3", "tone-44k-stereo.ogg"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let cut = bytes[..bytes.len() * 6 / 10].to_vec();
        let r = decode_bytes(cut, name.rsplit('.').next().unwrap());
        assert!(matches!(r, Err(Error::Truncated(_))), "{name}: {r:?}");
    }
    // A WAV cut inside its header.
    assert!(matches!(decode_bytes(wav[..30].to_vec(), "wav"), Err(Error::Truncated(_))));
}

#[test]
fn corrupt_stream() {
    let mut ogg = std::fs::read(fixture("tone-44k-stereo.ogg")).unwrap();
    let start = ogg.len() / 4;
    let mut s = 99u32;
    for b in &mut ogg[start..] {
        s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (s >> 16) as u8;
    }
    assert!(matches!(decode_bytes(ogg, "ogg"), Err(Error::Corrupt(_))));
}

#[test]
fn zero_sample_rate() {
    let mut wav = tone_wav(44_100, 1, 16, false, 0.1);
    wav[24..28].copy_from_slice(&0u32.to_le_bytes()); // fmt chunk: sample rate
    let r = decode_bytes(wav, "wav");
    assert!(matches!(r, Err(Error::ZeroSampleRate)), "{r:?}");
}

#[test]
fn too_long_stops_early() {
    let wav = tone_wav(8_000, 1, 16, false, 3.0);
    let opts = DecodeOptions { max_seconds: Some(2.0), ..Default::default() };
    let r = decode(Box::new(Cursor::new(wav.clone())), SR, &opts);
    assert!(matches!(r, Err(Error::TooLong { .. })), "{r:?}");
    let opts = DecodeOptions { max_seconds: Some(3.0), ..Default::default() };
    assert!(decode(Box::new(Cursor::new(wav)), SR, &opts).is_ok());
}

#[test]
fn errors_have_distinct_kinds() {
    let kinds = [
        Error::Empty.kind(),
        Error::UnknownFormat(String::new()).kind(),
        Error::Truncated(String::new()).kind(),
        Error::Corrupt(String::new()).kind(),
    ];
    let unique: std::collections::HashSet<_> = kinds.iter().collect();
    assert_eq!(unique.len(), kinds.len());
}

/// Streaming decodes hand out exactly the samples of a whole decode, and the streamed front end
/// (two passes over the file) gives exactly the whole-file windows, for every fixture format.
#[test]
fn streamed_decodes_and_windows_equal_the_whole_files() {
    let fe = FrontEndParams::default();
    for name in [
        "tone-44k-stereo-s16.flac",
        "tone-44k-stereo-s24.flac",
        "tone-44k-stereo.mp3",
        "tone-44k-stereo.ogg",
        "tone-8k-mono.mp3",
        "tone-96k-6ch.flac",
    ] {
        let path = fixture(name);
        let whole = decode_file(&path, SR, &DecodeOptions::default()).unwrap();
        let mut pieces = Vec::new();
        let mut calls = 0;
        let streamed = shared::audio::decode_file_stream(&path, SR, &DecodeOptions::default(), &mut |x| {
            pieces.extend_from_slice(x);
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert!(streamed.samples.is_empty() && calls > 1, "{name}: {calls} pieces");
        assert_eq!(streamed.source_frames, whole.source_frames, "{name}");
        assert!(
            pieces.len() == whole.samples.len() && pieces.iter().zip(&whole.samples).all(|(a, b)| a == b),
            "{name}"
        );

        // Streamed as the server analyses the whole signal: cut to the audible span, each
        // window with its level.
        let floor = shared::frontend::DEFAULT_AUDIBLE_FLOOR_DBFS;
        let heard = shared::frontend::hear(whole.clone(), &fe, WindowParams::default(), floor).unwrap();
        let spec = &heard.spec;
        let want = Windows::cut(spec.view(), &WindowParams::default(), fe.silence()).data.into_raw_vec_and_offset().0;
        let (mut got, mut levels) = (Vec::new(), Vec::new());
        let streamed = shared::frontend::windows_of_file(
            &path,
            &fe,
            WindowParams::default(),
            &DecodeOptions::default(),
            floor,
            &mut |w, level| {
                got.extend_from_slice(w);
                levels.push(level);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(streamed.frames, spec.dim().0, "{name}");
        assert_eq!(streamed.span.start as f64 / fe.sample_rate as f64, heard.offset_seconds, "{name}");
        assert_eq!(streamed.span.len(), heard.decoded.samples.len(), "{name}");
        assert!(got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "{name}");
        assert_eq!(levels, heard.levels, "{name}");
    }
}
