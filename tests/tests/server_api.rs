//! The real `server` binary over HTTP: the answer's shape, S1/S2, the timeline, every error
//! status, and a graceful SIGTERM. The model is an untrained network exported by the trainer.
use e2e::{http_agent, real_dev_clip as clip, test_model_dir, Server};
use serde_json::Value;

/// POSTs `body` and returns (status, JSON, Retry-After).
fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
    let mut r = http_agent().post(url).header("content-type", content_type).send(body).expect("request");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
}

fn multipart(field: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----e2e-boundary-7d3f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"clip.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn check_shape(v: &Value) {
    let instruments = v["instruments"].as_array().unwrap();
    assert_eq!(instruments.len(), 11);
    let scores: Vec<f64> = instruments.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "sorted by score");
    let present: Vec<&str> = instruments
        .iter()
        .filter(|i| i["score"].as_f64().unwrap() >= i["threshold"].as_f64().unwrap())
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    let labels: Vec<&str> = v["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(labels, present, "labels are exactly the scores at or above their threshold");
    assert_eq!(v["model_id"], "untrained-test");
}

#[test]
fn recognizes_raw_and_multipart_uploads() {
    let server = Server::start(&test_model_dir("server-api"), &[]);
    let wav = clip("irmas__cla_cla_0189__2.wav");
    let (status, v) = post(&server.url("/v1/recognize"), "audio/wav", &wav);
    assert_eq!(status, 200, "{v}");
    check_shape(&v);
    assert_eq!(v["aggregation"], "s2");
    assert_eq!(v["instruments"][0]["score"].as_f64().unwrap(), 1.0, "S2's top score is 1");
    assert_eq!(v["sample_rate"], 44_100);
    assert!((v["duration_seconds"].as_f64().unwrap() - 3.0).abs() < 0.01, "{}", v["duration_seconds"]);
    assert_eq!(v["windows"], 4, "130 frames: 1 + (130 - 43) / 22 windows");

    let (ct, body) = multipart("file", &wav);
    let (status, m) = post(&server.url("/v1/recognize"), &ct, &body);
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["instruments"], v["instruments"], "same audio, same answer");

    let mp3 = clip("saraga_carnatic__Bhuvini_Dasudane.mp3.mp3");
    let (status, s1) =
        post(&server.url("/v1/recognize?aggregation=s1&timeline=true&threshold=0.3"), "audio/mpeg", &mp3);
    assert_eq!(status, 200, "{s1}");
    check_shape(&s1);
    assert_eq!(s1["aggregation"], "s1");
    let timeline = s1["timeline"].as_array().unwrap();
    assert_eq!(timeline.len() as u64, s1["windows"].as_u64().unwrap());
    // Windows start at the audible span (here a few ms in) and follow at the hop.
    let start = |k: usize| timeline[k]["start_seconds"].as_f64().unwrap();
    assert!((0.0..0.1).contains(&start(0)), "{}", start(0));
    assert!((start(1) - start(0) - 22.0 * 512.0 / 22_050.0).abs() < 1e-9);
    assert_eq!(timeline[0]["scores"].as_object().unwrap().len(), 11);
    assert!(v.get("timeline").is_none(), "no timeline unless asked");
}

#[test]
fn bad_inputs_get_their_status_and_a_json_error() {
    let server =
        Server::start(&test_model_dir("server-api"), &["--max-body-bytes", "400000", "--max-audio-seconds", "4"]);
    let url = server.url("/v1/recognize");
    let wav = clip("irmas__cla_cla_0189__2.wav"); // 529 kB
    let small = clip("phenicx_anechoic__cello.wav"); // 88 kB, 1 s
    let mut noise = vec![0u8; 5000];
    let mut s = 7u32;
    noise.iter_mut().for_each(|b| {
        s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (s >> 16) as u8
    });
    let cases: Vec<(&str, String, Vec<u8>, u16, &str)> = vec![
        ("empty body", url.clone(), vec![], 400, "empty_body"),
        ("random bytes", url.clone(), noise, 415, "unknown_format"),
        ("truncated WAV", url.clone(), small[..small.len() / 2].to_vec(), 400, "truncated"),
        ("body over the limit", url.clone(), wav.clone(), 413, "body_too_large"),
        // Refusals come after the body is read: a client still sending reads them, not a reset.
        ("body ten times the limit", url.clone(), wav.repeat(8), 413, "body_too_large"),
        ("bad parameter, big body", format!("{url}?threshold=2"), wav[..390_000].to_vec(), 422, "invalid_parameter"),
        ("threshold out of range", format!("{url}?threshold=1.5"), small.clone(), 422, "invalid_parameter"),
        ("threshold not a number", format!("{url}?threshold=abc"), small.clone(), 422, "invalid_parameter"),
        ("unknown aggregation", format!("{url}?aggregation=s9"), small.clone(), 422, "invalid_parameter"),
    ];
    for (what, url, body, status, kind) in cases {
        let (got, v) = post(&url, "application/octet-stream", &body);
        assert_eq!(got, status, "{what}: {v}");
        assert_eq!(v["error_type"], kind, "{what}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}");
    }
    // Duration over the limit: 5 s of audio (a WAV header and 5 s of 8 kHz samples), limit 4 s.
    let saw: Vec<f32> = (0..40_000).map(|i| ((i % 40) as f32 - 20.0) / 65.0).collect();
    let five_s = e2e::wav_bytes(&saw, 8000);
    let (got, v) = post(&url, "audio/wav", &five_s);
    assert_eq!((got, v["error_type"].as_str()), (413, Some("too_long")), "{v}");
    let mut r = http_agent().get(server.url("/healthz")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200, "still alive: {}", r.body_mut().read_to_string().unwrap());
}
