//! Connections on the real server: clients that open a connection and send nothing, or send a
//! body a byte a second, are cut with 408 and do not delay normal requests; past
//! `--max-connections` a connection is refused with 503 at once; and a SIGTERM under 8 clients
//! answers every request accepted before it, turns new ones away with 503 and `Retry-After`
//! while it drains, and exits 0. Each prints its figures (the issue notes quote them).
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use e2e::{http_agent, test_model_dir, Server};

/// The tests of this file run one at a time: one measures latency, and the others' load would
/// land in one of its two measurements and not the other.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn clip() -> Vec<u8> {
    e2e::real_dev_clip("tinysol__Fl-ord-C4-mf-N-T14d.wav")
}

fn addr(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_string()
}

/// Everything the server sends until it closes the connection (or `limit` passes).
fn read_all(s: &mut TcpStream, limit: Duration) -> String {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// Latencies of `n` normal requests, one after another, sorted.
fn normal_requests(server: &Server, body: &[u8], n: usize) -> Vec<Duration> {
    let mut took: Vec<Duration> = (0..n)
        .map(|_| {
            let t0 = Instant::now();
            let mut r = http_agent().post(server.url("/v1/recognize")).send(body).expect("an answer");
            let _ = r.body_mut().read_to_string();
            assert_eq!(r.status().as_u16(), 200);
            t0.elapsed()
        })
        .collect();
    took.sort();
    took
}

fn p99(sorted: &[Duration]) -> Duration {
    sorted[(sorted.len() * 99).div_ceil(100) - 1]
}

#[test]
fn idle_and_byte_a_second_clients_get_408_and_do_not_delay_normal_requests() {
    let _serial = one_at_a_time();
    let header_timeout = 3;
    let request_timeout = 6;
    let server = Server::start(
        &test_model_dir("connections"),
        &["--header-timeout-s", &header_timeout.to_string(), "--request-timeout-s", &request_timeout.to_string()],
    );
    let body = clip();
    normal_requests(&server, &body, 3); // warm-up
    let alone = normal_requests(&server, &body, 40);

    let stop = AtomicBool::new(false);
    let cuts = Mutex::new(Vec::<(&str, Duration, String)>::new());
    let address = addr(&server);
    let (with_them, started) = std::thread::scope(|s| {
        // 100 clients that connect and send nothing, 100 that send a body a byte a second; each
        // connects again when it is cut, so 200 are open throughout the measurement.
        for i in 0..200 {
            let (stop, cuts, address) = (&stop, &cuts, &address);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut c = TcpStream::connect(address).unwrap();
                    let t0 = Instant::now();
                    let kind = if i % 2 == 0 {
                        "idle"
                    } else {
                        write!(c, "POST /v1/recognize HTTP/1.1\r\nhost: x\r\ncontent-type: audio/wav\r\ncontent-length: 100000\r\n\r\n").unwrap();
                        c.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                        let mut seen = Vec::new();
                        // A byte a second until the server answers or closes.
                        loop {
                            if c.write_all(b"R").is_err() {
                                break;
                            }
                            let mut buf = [0u8; 4096];
                            match c.read(&mut buf) {
                                Ok(0) => break,
                                Ok(n) => {
                                    seen.extend_from_slice(&buf[..n]);
                                    if seen.ends_with(b"}") {
                                        break;
                                    }
                                }
                                Err(_) => {}
                            }
                            if t0.elapsed() > Duration::from_secs(30) {
                                break;
                            }
                        }
                        cuts.lock().unwrap().push(("slow body", t0.elapsed(), String::from_utf8_lossy(&seen).into_owned()));
                        continue;
                    };
                    let answer = read_all(&mut c, Duration::from_secs(30));
                    cuts.lock().unwrap().push((kind, t0.elapsed(), answer));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        let took = normal_requests(&server, &body, 40);
        // Long enough for both kinds to have been cut at least once.
        while started.elapsed() < Duration::from_secs(request_timeout + 2) {
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
        (took, started)
    });
    let cuts = cuts.into_inner().unwrap();
    let idle: Vec<_> = cuts.iter().filter(|c| c.0 == "idle").collect();
    let slow: Vec<_> = cuts.iter().filter(|c| c.0 == "slow body").collect();
    println!(
        "normal requests p50/p99: {:?}/{:?} alone, {:?}/{:?} beside 200 idle and byte-a-second clients ({:.1} s); {} idle cut, {} slow bodies cut",
        alone[alone.len() / 2],
        p99(&alone),
        with_them[with_them.len() / 2],
        p99(&with_them),
        started.elapsed().as_secs_f64(),
        idle.len(),
        slow.len()
    );
    assert!(idle.len() >= 100 && slow.len() >= 100, "every client cut at least once");
    for (_, took, answer) in &idle {
        assert!(answer.starts_with("HTTP/1.1 408"), "an idle connection got {answer:?}");
        assert!(answer.contains(r#""error_type":"timeout""#), "{answer}");
        assert!(*took < Duration::from_secs(header_timeout + 3), "cut after {took:?}");
    }
    for (_, took, answer) in &slow {
        assert!(answer.starts_with("HTTP/1.1 408"), "a byte-a-second upload got {answer:?}");
        assert!(*took < Duration::from_secs(request_timeout + 4), "cut after {took:?}");
    }
    // The slow clients hold no request slot and little CPU: normal requests take about as long.
    // Medians of 40 each, measured in one run: a tail of 40 samples is one or two requests that
    // a busy neighbour on a 2-core machine can delay, while the median moves only if most do.
    let (alone_median, with_median) = (alone[alone.len() / 2], with_them[with_them.len() / 2]);
    assert!(
        with_median <= alone_median * 3 + Duration::from_millis(250),
        "median {with_median:?} beside slow clients against {alone_median:?} alone"
    );
    assert!(server.metric("instrument_server_header_timeouts_total") >= 100.0);
}

#[test]
fn connections_past_the_limit_are_refused_with_503_at_once() {
    let _serial = one_at_a_time();
    let server = Server::start(&test_model_dir("connections"), &["--max-connections", "8", "--header-timeout-s", "30"]);
    let address = addr(&server);
    let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(&address).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    let mut ninth = TcpStream::connect(&address).unwrap();
    let answer = read_all(&mut ninth, Duration::from_secs(5));
    let took = t0.elapsed();
    println!("the 9th connection at a limit of 8: answered in {took:?}: {}", answer.lines().next().unwrap_or(""));
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    assert!(answer.contains(r#""error_type":"too_many_connections""#), "{answer}");
    // At once: nothing is read or decoded, so seconds would mean the refusal waited on something.
    assert!(took < Duration::from_secs(3), "refused after {took:?}");
    drop(idle);
    // Their slots come back as the server sees them close.
    let t0 = Instant::now();
    loop {
        let r = http_agent().post(server.url("/v1/recognize")).send(&clip()[..]);
        if let Ok(mut r) = r {
            if r.status().as_u16() == 200 {
                let _ = r.body_mut().read_to_string();
                break;
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "the slots never came back");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.metric("instrument_server_connections_refused_total") >= 1.0);
}

#[test]
fn a_sigterm_under_8_clients_answers_everything_accepted_and_exits_0() {
    let _serial = one_at_a_time();
    // Long beside the latency of 8 concurrent uploads on 2 busy cores (over a second each), so
    // that clients send during it.
    let drain = 5.0;
    let mut server = Server::start(&test_model_dir("connections"), &["--shutdown-drain-s", &drain.to_string()]);
    let body = clip();
    let url = server.url("/v1/recognize");
    let signalled: Mutex<Option<Instant>> = Mutex::new(None);
    // (sent at, status or None for no answer, retry-after, error_type, error message)
    type Outcome = (Instant, Option<u16>, bool, String, String);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..8)
            .map(|_| {
                let (url, body, signalled) = (&url, &body, &signalled);
                s.spawn(move || {
                    let mut seen = Vec::new();
                    loop {
                        let sent = Instant::now();
                        match http_agent().post(url).header("content-type", "audio/wav").send(&body[..]) {
                            Ok(mut r) => {
                                let status = r.status().as_u16();
                                let retry = r.headers().contains_key("retry-after");
                                let text = r.body_mut().read_to_string().unwrap_or_default();
                                let json = serde_json::from_str::<serde_json::Value>(&text).ok();
                                let field =
                                    |k: &str| json.as_ref().and_then(|v| v[k].as_str()).unwrap_or_default().to_string();
                                seen.push((sent, Some(status), retry, field("error_type"), field("error")));
                            }
                            Err(_) => {
                                seen.push((sent, None, false, String::new(), String::new()));
                                // After the drain the port is closed: this client is done.
                                if signalled.lock().unwrap().is_some() {
                                    return seen;
                                }
                            }
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        let pid = server.child.id().to_string();
        *signalled.lock().unwrap() = Some(Instant::now());
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        clients.into_iter().flat_map(|c| c.join().unwrap()).collect()
    });
    let at = signalled.into_inner().unwrap().unwrap();
    let exit = server.child.wait().unwrap();
    let before: Vec<_> = outcomes.iter().filter(|o| o.0 < at).collect();
    // A request sent just before the signal may reach the server after it: the server then
    // refuses it at the door, before reading it (`ServerError::ShuttingDown`, whose message is
    // its own), which is an answer, not a loss. An accepted request that lost its answer would
    // meet a closed connection or the model's stop (`EngineError::ModelStopped`, another message).
    let door = server::error::ServerError::ShuttingDown.to_string();
    let refused_at_door = |o: &Outcome| o.1 == Some(503) && o.2 && o.3 == "shutting_down" && o.4 == door;
    let after: Vec<_> = outcomes.iter().filter(|o| o.0 >= at).collect();
    let refused: Vec<_> = after.iter().filter(|o| o.1 == Some(503)).collect();
    let unanswered: Vec<_> = after.iter().filter(|o| o.1.is_none()).collect();
    println!(
        "SIGTERM under 8 clients: {} requests sent before it, answered {:?} ({} of them refused at the door, having reached the server after it); after it {} answered 200, {} refused 503 while draining, {} met the closed port",
        before.len(),
        before.iter().map(|o| o.1).collect::<std::collections::BTreeSet<_>>(),
        before.iter().filter(|o| refused_at_door(o)).count(),
        after.iter().filter(|o| o.1 == Some(200)).count(),
        refused.len(),
        unanswered.len()
    );
    // Every client's first request was sent 1.5 s before the signal: at least those 8 are
    // accepted and must be answered in full, the drain notwithstanding.
    assert!(before.iter().filter(|o| o.1 == Some(200)).count() >= 8, "{before:?}");
    assert!(
        before.iter().all(|o| o.1 == Some(200) || refused_at_door(o)),
        "a request accepted before the signal was lost: {before:?}"
    );
    assert!(!refused.is_empty(), "no request met the drain");
    assert!(refused.iter().all(|o| o.2 && o.3 == "shutting_down"), "503s carry Retry-After and shutting_down");
    assert!(after.iter().all(|o| matches!(o.1, None | Some(200) | Some(503))), "{after:?}");
    // Only once the drain is over does a client meet a closed port.
    // (Less half a second: a connection still in the kernel's queue when the port closes at the
    // drain's end is reset, and a busy machine can leave one there that long.)
    let drain_end = at + Duration::from_secs_f64(drain) - Duration::from_millis(500);
    let offsets: Vec<_> = unanswered.iter().map(|o| o.0.duration_since(at)).collect();
    assert!(
        unanswered.iter().all(|o| o.0 >= drain_end),
        "a request was dropped during the drain: sent {offsets:?} after the signal"
    );
    assert!(exit.success(), "exit status {exit:?}");
}

#[test]
fn a_dead_model_thread_turns_requests_and_readiness_to_503_and_the_process_exits_non_zero() {
    let _serial = one_at_a_time();
    // The planted fault: once the trigger file exists, the model thread panics at its next
    // forward pass, as a libtorch fault would.
    let trigger = e2e::fresh_scratch_dir("model-fault").join("trigger");
    let mut server = Server::start_binary(
        "faulty-server",
        &test_model_dir("connections"),
        &["--shutdown-drain-s", "2"],
        &[("FAULT_TRIGGER", trigger.to_str().unwrap())],
    );
    let body = clip();
    let post = || {
        let t0 = Instant::now();
        let mut r = http_agent().post(server.url("/v1/recognize")).send(&body[..]).expect("an answer");
        let text = r.body_mut().read_to_string().unwrap_or_default();
        (r.status().as_u16(), text, t0.elapsed())
    };
    for _ in 0..2 {
        assert_eq!(post().0, 200);
    }
    assert_eq!(http_agent().get(server.url("/readyz")).call().unwrap().status().as_u16(), 200);
    std::fs::write(&trigger, b"").unwrap();
    // The next batch kills the thread: it and the requests queued behind it are answered 503.
    let answers: Vec<(u16, String, Duration)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6).map(|_| s.spawn(post)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let died = Instant::now();
    println!("requests when the model thread died: {:?}", answers.iter().map(|a| (a.0, a.2)).collect::<Vec<_>>());
    for (status, text, took) in &answers {
        assert_eq!(*status, 503, "{text}");
        assert!(text.contains("shutting_down"), "{text}");
        // Each upload is read and decoded before it meets the dead thread, on a machine that may
        // be busy; what must not happen is a wait for the request timeout (30 s).
        assert!(*took < Duration::from_secs(5), "a 503 took {took:?}");
    }
    let r = http_agent().get(server.url("/readyz")).call().unwrap();
    assert_eq!(r.status().as_u16(), 503, "readiness follows the model thread");
    let (status, text, took) = post();
    assert!(status == 503 && took < Duration::from_secs(5), "a new request: {status} after {took:?}: {text}");
    // After the drain the process exits with an error, for the orchestrator to restart it.
    let exit = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(died.elapsed() < Duration::from_secs(15), "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    println!("exited {exit:?} {:?} after the fault", died.elapsed());
    assert!(!exit.success(), "exit status {exit:?}");
}
