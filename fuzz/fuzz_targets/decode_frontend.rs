//! Any bytes through what the server does with an upload's audio: probe and decode (symphonia),
//! downmix, resample, peak-normalise, log-mel and cut into windows. Errors are fine; a panic, a
//! hang or unbounded memory is a finding.
#![no_main]
use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use shared::audio::DecodeOptions;
use shared::frontend::{logmel_of, FrontEndParams, WindowParams, Windows};

fuzz_target!(|data: &[u8]| {
    let fe = FrontEndParams::default();
    // The first byte picks the hint the server would have from Content-Type.
    let mime = match data.first().map(|b| b % 5) {
        Some(0) => Some("audio/wav"),
        Some(1) => Some("audio/mpeg"),
        Some(2) => Some("audio/flac"),
        Some(3) => Some("audio/ogg"),
        _ => None,
    };
    let opts = DecodeOptions { mime_type: mime.map(str::to_owned), max_seconds: Some(30.0), ..Default::default() };
    if let Ok((_, spec)) = logmel_of(Box::new(Cursor::new(data.to_vec())), &fe, &opts) {
        let w = Windows::cut(spec.view(), &WindowParams::default(), fe.silence());
        assert!(!w.is_empty());
    }
});
