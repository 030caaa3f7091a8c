//! `GET /v1/stream`, the live WebSocket, on the real server: real-dev clips streamed as PCM in
//! pieces of random sizes get, after `end`, the answer `POST /v1/recognize` gives for the same
//! file; every hostile stream closes with its documented code while uploads are served
//! meanwhile.
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use e2e::{http_agent, real_dev_dir, repo_root, test_model_dir, Server};
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};
use tungstenite::protocol::CloseFrame;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

fn connect(server: &Server) -> Socket {
    let url = format!("{}/v1/stream", server.base.replace("http://", "ws://"));
    let (socket, response) = tungstenite::connect(url).expect("a WebSocket");
    assert_eq!(response.status().as_u16(), 101);
    if let MaybeTlsStream::Plain(s) = socket.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    }
    socket
}

/// Every message until the server closes: the JSON messages and the close frame.
fn read_to_close(socket: &mut Socket) -> (Vec<Value>, Option<CloseFrame>) {
    let mut messages = Vec::new();
    loop {
        match socket.read() {
            Ok(Message::Text(t)) => messages.push(serde_json::from_str(t.as_str()).expect("JSON")),
            Ok(Message::Close(frame)) => {
                let _ = socket.flush();
                return (messages, frame);
            }
            Ok(_) => {}
            Err(e) => panic!("the stream broke before its close frame: {e}"),
        }
    }
}

/// A WAV file's interleaved samples as PCM bytes, with its format, rate and channels.
fn pcm_of(path: &Path) -> (Vec<u8>, &'static str, u32, u16) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    match spec.sample_format {
        hound::SampleFormat::Float => {
            let bytes = r.samples::<f32>().flat_map(|s| s.unwrap().to_le_bytes()).collect();
            (bytes, "pcm_f32le", spec.sample_rate, spec.channels)
        }
        hound::SampleFormat::Int => {
            assert_eq!(spec.bits_per_sample, 16, "{}", path.display());
            let bytes = r.samples::<i16>().flat_map(|s| s.unwrap().to_le_bytes()).collect();
            (bytes, "pcm_s16le", spec.sample_rate, spec.channels)
        }
    }
}

/// Streams `path` in pieces of random sizes (whole frames) and ends it.
fn stream_file(server: &Server, path: &Path, seed: u64) -> (Vec<Value>, Option<CloseFrame>) {
    let (bytes, format, rate, channels) = pcm_of(path);
    let frame = if format == "pcm_f32le" { 4 } else { 2 } * channels as usize;
    let mut socket = connect(server);
    let start = json!({"format": format, "sample_rate": rate, "channels": channels});
    socket.send(Message::text(start.to_string())).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut at = 0;
    while at < bytes.len() {
        let n = (rng.random_range(1..4000) * frame).min(bytes.len() - at);
        socket.send(Message::binary(bytes[at..at + n].to_vec())).unwrap();
        at += n;
    }
    socket.send(Message::text(r#"{"type": "end"}"#)).unwrap();
    read_to_close(&mut socket)
}

fn upload(server: &Server, path: &Path) -> Value {
    let mut r = http_agent().post(server.url("/v1/recognize")).send(&std::fs::read(path).unwrap()[..]).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
fn streamed_clips_end_with_the_uploads_answer() {
    // The default model, so the labels compared are real ones; the stream as fast as the model.
    let model = repo_root().join("models/default");
    let server = Server::start(&model, &["--max-stream-lead-s", "1000"]);
    let dev = real_dev_dir();
    let clips = [
        "filosax__Participant1_01_Sax.wav",                                    // mono 44.1 kHz
        "ikala__10161_chorus.wav",                                             // stereo 44.1 kHz
        "maestro__MIDI-Unprocessed_Chamber3_MID--AUDIO_10_R3_2018_wav--1.wav", // stereo 48 kHz
        "dagstuhl_choirset__DCS_LI_QuartetB_Take04_A2_DYN.wav",                // 22,050 Hz
        "medley_solos_db__Medley-solos-DB_validation-3_d07b1fc0-567d-52c2-fef4-239f31c9d40e.wav", // float
        "vocadito__vocadito_1.wav",                                            // 33 s
    ];
    for (i, name) in clips.iter().enumerate() {
        let path = dev.join(name);
        let (messages, close) = stream_file(&server, &path, i as u64);
        let close = close.expect("a close frame");
        assert_eq!(u16::from(close.code), 1000, "{name}: {close:?} after {:?}", messages.last());
        assert_eq!(messages[0]["type"], "ready");
        // A window below the audible floor comes as `silent`, without sigmoids.
        let windows: Vec<&Value> = messages.iter().filter(|m| m["type"] == "window" || m["type"] == "silent").collect();
        let last = messages.last().unwrap();
        assert_eq!(last["type"], "final", "{name}");
        let got = &last["recognition"];
        let want = upload(&server, &path);
        assert_eq!(got["labels"], want["labels"], "{name}");
        assert_eq!(got["windows"], want["windows"], "{name}");
        assert_eq!(got["duration_seconds"], want["duration_seconds"], "{name}");
        assert_eq!(got["sample_rate"], want["sample_rate"], "{name}");
        let score = |v: &Value, label: &str| {
            v["instruments"].as_array().unwrap().iter().find(|i| i["label"] == label).unwrap()["score"]
                .as_f64()
                .unwrap()
        };
        for label in shared::labels::LABELS {
            let (a, b) = (score(got, label), score(&want, label));
            assert!((a - b).abs() <= 1e-4, "{name} {label}: streamed {a}, uploaded {b}");
        }
        // A provisional window for each window of the answer, in order, each with 11 sigmoids
        // (or silent). The answer's recording is cut at its last loud sample, which a stream
        // cannot know while it plays: a quiet end may add provisional windows past the answer's.
        let answered = want["windows"].as_u64().unwrap() as usize;
        assert!(windows.len() >= answered && windows.len() <= answered + 8, "{name}: {} for {answered}", windows.len());
        for (k, w) in windows.iter().enumerate() {
            assert_eq!(w["index"], k);
            match w["type"].as_str() {
                Some("window") => assert_eq!(w["sigmoids"].as_array().unwrap().len(), 11),
                _ => assert!(w["level_dbfs"].as_f64().unwrap() < -60.0 && w.get("sigmoids").is_none(), "{w}"),
            }
        }
        if windows.len() >= 4 {
            assert!(messages.iter().any(|m| m["type"] == "summary"), "{name}: no summary");
        }
        println!("{name}: {} windows streamed, final labels {} = the upload's", windows.len(), got["labels"]);
    }
}

/// Sends the messages and returns the close code and the `error_type` of the error message.
fn refused(server: &Server, messages: Vec<Message>) -> (u16, String) {
    let mut socket = connect(server);
    for m in messages {
        if socket.send(m).is_err() {
            break;
        }
    }
    let (got, close) = read_to_close(&mut socket);
    let error =
        got.iter().find(|m| m["type"] == "error").map_or(String::new(), |m| m["error_type"].as_str().unwrap().into());
    if let Some(e) = got.iter().find(|m| m["type"] == "error") {
        assert_eq!(e["status"].as_u64().unwrap() + 4000, u64::from(u16::from(close.as_ref().unwrap().code)));
    }
    (close.map_or(0, |c| u16::from(c.code)), error)
}

fn start(format: &str, rate: u32, channels: u16) -> Message {
    Message::text(json!({"format": format, "sample_rate": rate, "channels": channels}).to_string())
}

#[test]
fn hostile_streams_close_with_their_codes_and_uploads_go_on() {
    let model = test_model_dir("stream");
    let server = Server::start(
        &model,
        &["--stream-idle-timeout-s", "1", "--max-stream-seconds", "2", "--max-stream-lead-s", "1000"],
    );
    let second = vec![0u8; 22_050 * 2];
    let nan: Vec<u8> = [0.1f32, f32::NAN].iter().flat_map(|v| v.to_le_bytes()).collect();
    let cases: Vec<(&str, Vec<Message>, u16, &str)> = vec![
        ("start not JSON", vec![Message::text("hello")], 4400, "bad_request"),
        ("audio before the start", vec![Message::binary(second.clone())], 4400, "bad_request"),
        ("unknown format", vec![start("mp3", 44_100, 2)], 4400, "bad_request"),
        ("sample rate 0", vec![start("pcm_s16le", 0, 1)], 4400, "zero_sample_rate"),
        ("sample rate 10 MHz", vec![start("pcm_s16le", 10_000_000, 1)], 4400, "unsupported_sample_rate"),
        ("no channels", vec![start("pcm_s16le", 22_050, 0)], 4400, "no_channels"),
        (
            "threshold out of range",
            vec![Message::text(
                json!({"format": "pcm_s16le", "sample_rate": 22050, "channels": 1, "threshold": 2}).to_string(),
            )],
            4422,
            "invalid_parameter",
        ),
        ("odd byte count", vec![start("pcm_s16le", 22_050, 1), Message::binary(vec![0u8; 3])], 4400, "corrupt"),
        ("NaN sample", vec![start("pcm_f32le", 22_050, 1), Message::binary(nan)], 4400, "corrupt"),
        (
            "an unknown text message",
            vec![start("pcm_s16le", 22_050, 1), Message::text(r#"{"type":"stop"}"#)],
            4400,
            "bad_request",
        ),
        ("silent after the start", vec![start("pcm_s16le", 22_050, 1)], 4408, "timeout"),
        (
            "longer than --max-stream-seconds",
            vec![
                start("pcm_s16le", 22_050, 1),
                Message::binary(second.clone()),
                Message::binary(second.clone()),
                Message::binary(second.clone()),
            ],
            4413,
            "too_long",
        ),
        (
            "ended with no audio",
            vec![start("pcm_s16le", 22_050, 1), Message::text(r#"{"type":"end"}"#)],
            4400,
            "no_samples",
        ),
    ];
    let clip = real_dev_dir().join("tinysol__Fl-ord-C4-mf-N-T14d.wav");
    for (what, messages, code, error_type) in cases {
        assert_eq!(refused(&server, messages), (code, error_type.to_string()), "{what}");
        // Uploads are served meanwhile.
        assert_eq!(upload(&server, &clip)["instruments"].as_array().unwrap().len(), 11, "after {what}");
    }
    // A client that vanishes mid-stream costs nothing lasting.
    for _ in 0..5 {
        let mut s = connect(&server);
        s.send(start("pcm_s16le", 22_050, 1)).unwrap();
        s.send(Message::binary(vec![0u8; 4410])).unwrap();
        drop(s);
    }
    // Each is counted once the server has seen its socket close (its upgrade may still be
    // starting when the client is already gone).
    let t0 = std::time::Instant::now();
    let gone = || {
        let text = http_agent().get(server.url("/metrics")).call().unwrap().body_mut().read_to_string().unwrap();
        let series = r#"instrument_server_stream_closes_total{reason="client_gone"} "#;
        text.lines().find_map(|l| l.strip_prefix(series)).map_or(0.0, |v| v.trim().parse().unwrap())
    };
    while gone() < 5.0 {
        assert!(t0.elapsed() < Duration::from_secs(10), "{} of 5 vanished clients counted", gone());
        std::thread::sleep(Duration::from_millis(50));
    }
    while server.metric("instrument_server_streams_open") > 0.0 {
        assert!(t0.elapsed() < Duration::from_secs(10), "streams left open");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(upload(&server, &clip)["instruments"].as_array().unwrap().len(), 11);
}

#[test]
fn streams_hold_a_request_slot_and_need_the_key() {
    let model = test_model_dir("stream");
    let server = Server::start(&model, &["--max-concurrent-requests", "1", "--api-keys", "k1"]);
    // The key in the start message (a browser cannot send the header).
    let mut first = connect(&server);
    first
        .send(Message::text(
            json!({"format": "pcm_s16le", "sample_rate": 22050, "channels": 1, "api_key": "k1"}).to_string(),
        ))
        .unwrap();
    let ready: Value = match first.read().unwrap() {
        Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["labels"].as_array().unwrap().len(), 11);
    // The one slot is held: a second stream is refused at once.
    assert_eq!(refused(&server, vec![]), (4429, "overloaded".into()));
    first.send(Message::binary(vec![0u8; 44_100])).unwrap();
    first.send(Message::text(r#"{"type":"end"}"#)).unwrap();
    let (messages, close) = read_to_close(&mut first);
    assert_eq!(u16::from(close.unwrap().code), 1000);
    assert_eq!(messages.last().unwrap()["type"], "final");
    // Without a key, or a wrong one.
    let wrong =
        Message::text(json!({"format": "pcm_s16le", "sample_rate": 22050, "channels": 1, "api_key": "k2"}).to_string());
    assert_eq!(refused(&server, vec![wrong]), (4401, "unauthorized".into()));
    assert_eq!(refused(&server, vec![start("pcm_s16le", 22_050, 1)]), (4401, "unauthorized".into()));
}
