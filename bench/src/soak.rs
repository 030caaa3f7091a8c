//! `perf soak`: the server for a long time (60 minutes by default) at about half its measured
//! capacity, with a mix of valid uploads (WAV, MP3, FLAC, from 10 ms to 3 minutes), hostile
//! ones (the hostile-input corpus of the tests) and clients that leave mid-upload or before
//! their answer. Every `--sample-s` it records the server's RSS, open descriptors, threads, queue
//! depth, requests in flight, and the p50/p99 and answers by status of the requests finished in
//! that interval. It passes when nothing is lost (every request that was not meant to leave got
//! an answer), no 5xx other than 429/503 came back, and RSS and descriptors stay flat after the
//! warm-up (the bounds are in [`verdict`]). Writes soak.json, soak.csv, soak.md and soak.png.
use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use plotters::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::cli::SoakArgs;
use crate::procs::{rss_mib, Running};

/// One upload of the mix.
struct Upload {
    name: String,
    content_type: &'static str,
    body: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Valid,
    Hostile,
    /// Sends half the body, then closes.
    LeavesMidUpload,
    /// Sends the whole body, then closes before the answer.
    LeavesBeforeAnswer,
}

/// One request's outcome: its kind, status (None: no answer), latency, and which upload it was.
#[derive(Clone, Copy)]
struct Outcome {
    kind: Kind,
    status: Option<u16>,
    ms: f64,
    upload: usize,
}

/// One sample of the server.
#[derive(Debug, Clone, Serialize)]
struct Sample {
    minute: f64,
    rss_mib: f64,
    fds: usize,
    threads: usize,
    queue_depth: f64,
    in_flight: f64,
    connections_open: f64,
    /// Requests finished in the interval, answers by status (`none`: no answer).
    finished: usize,
    statuses: BTreeMap<String, usize>,
    p50_ms: f64,
    p99_ms: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    minutes: f64,
    capacity_valid_requests_per_s: f64,
    offered_requests_per_s: f64,
    requests_by_kind: BTreeMap<String, usize>,
    statuses: BTreeMap<String, usize>,
    lost: usize,
    unexpected_5xx: usize,
    /// Valid uploads answered neither 200 nor a retry status (429/503), by name (first 20).
    valid_refused: Vec<String>,
    client_saturated: usize,
    samples: Vec<Sample>,
    verdict: Vec<(String, bool)>,
}

/// The mix's valid uploads: real clips of the visible sets in each container, a 10-ms and a
/// 3-minute synthetic WAV.
fn valid_uploads(eval: &Path) -> anyhow::Result<Vec<Upload>> {
    let mut out = Vec::new();
    for (dir, take) in [("real-dev", 12), ("real-dev-2", 12)] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(eval.join(dir))
            .with_context(|| format!("reading {}", eval.join(dir).display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wav" || e == "flac" || e == "mp3"))
            .collect();
        files.sort();
        // Every container present, then an even spread over the rest.
        let step = (files.len() / take).max(1);
        let mut chosen: Vec<PathBuf> = files.iter().step_by(step).take(take).cloned().collect();
        for ext in ["wav", "flac", "mp3"] {
            if !chosen.iter().any(|p| p.extension().is_some_and(|e| e == ext)) {
                chosen.extend(files.iter().find(|p| p.extension().is_some_and(|e| e == ext)).cloned());
            }
        }
        for p in chosen {
            let content_type = match p.extension().and_then(|e| e.to_str()) {
                Some("flac") => "audio/flac",
                Some("mp3") => "audio/mpeg",
                _ => "audio/wav",
            };
            out.push(Upload { name: p.display().to_string(), content_type, body: std::fs::read(&p)? });
        }
    }
    out.push(Upload {
        name: "bench/audio/real-music-30s.mp3".into(),
        content_type: "audio/mpeg",
        body: std::fs::read("bench/audio/real-music-30s.mp3")?,
    });
    out.push(Upload {
        name: "10-ms tone".into(),
        content_type: "audio/wav",
        body: e2e::wav_bytes(&e2e::tone(440.0, 0.01), 22_050),
    });
    out.push(Upload {
        name: "3-min tone".into(),
        content_type: "audio/wav",
        body: e2e::wav_bytes(&e2e::tone(220.0, 180.0), 22_050),
    });
    Ok(out)
}

fn hostile_uploads() -> Vec<Upload> {
    e2e::hostile::corpus(Path::new("shared/tests/fixtures"))
        .into_iter()
        .map(|c| Upload { name: c.name, content_type: c.content_type, body: c.body })
        .collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Sends one request of `kind`; its status, or None when no answer came (or was not awaited).
fn send(agent: &ureq::Agent, base: &str, kind: Kind, u: &Upload) -> Option<u16> {
    let url = format!("{base}/v1/recognize");
    match kind {
        Kind::Valid | Kind::Hostile => {
            let mut r = agent.post(&url).header("content-type", u.content_type).send(&u.body[..]).ok()?;
            let _ = r.body_mut().read_to_vec();
            Some(r.status().as_u16())
        }
        Kind::LeavesMidUpload | Kind::LeavesBeforeAnswer => {
            let addr = base.trim_start_matches("http://");
            let mut s = TcpStream::connect(addr).ok()?;
            let head = format!(
                "POST /v1/recognize HTTP/1.1\r\nhost: {addr}\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
                u.content_type,
                u.body.len()
            );
            let part = if kind == Kind::LeavesMidUpload { u.body.len() / 2 } else { u.body.len() };
            let _ = s.write_all(head.as_bytes()).and_then(|()| s.write_all(&u.body[..part]));
            std::thread::sleep(Duration::from_millis(20));
            None
        }
    }
}

/// The server's series on /metrics that the samples read.
fn scrape(agent: &ureq::Agent, base: &str) -> BTreeMap<String, f64> {
    let text = agent
        .get(format!("{base}/metrics"))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(k, v)| Some((k.to_string(), v.parse().ok()?))))
        .collect()
}

fn proc_count(pid: u32, what: &str) -> usize {
    match what {
        "fds" => std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count()),
        _ => std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Threads:").and_then(|v| v.trim().parse().ok())))
            .unwrap_or(0),
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn status_key(s: Option<u16>) -> String {
    s.map_or_else(|| "none".into(), |s| s.to_string())
}

fn start_server(args: &SoakArgs, log: &Path) -> anyhow::Result<Running> {
    let mut child = Command::new(&args.server)
        .arg("--model-dir")
        .arg(&args.model)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .with_context(|| format!("starting {} (cargo build --release -p server)", args.server.display()))?;
    let stdout = child.stdout.take().context("server stdout")?;
    let base = server::serve::read_listening_url(stdout).context("the server exited before listening")?;
    Ok(Running { child, base })
}

/// Valid requests per second the server answers with 4 clients sending back to back.
fn capacity(base: &str, valid: &[Upload], seconds: f64) -> f64 {
    let done = AtomicUsize::new(0);
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    std::thread::scope(|s| {
        for c in 0..4 {
            let done = &done;
            s.spawn(move || {
                let agent = agent();
                let mut i = c;
                while Instant::now() < end {
                    if send(&agent, base, Kind::Valid, &valid[i % valid.len()]) == Some(200) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    i += 7;
                }
            });
        }
    });
    done.into_inner() as f64 / seconds
}

pub fn run(args: &SoakArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    let valid = valid_uploads(&args.eval)?;
    let hostile = hostile_uploads();
    let server = start_server(args, &args.out.join("server.log"))?;
    let pid = server.pid();
    let base = server.base.clone();
    eprintln!(
        "[soak] server pid {pid} at {base}; {} valid and {} hostile uploads in the mix",
        valid.len(),
        hostile.len()
    );
    let capacity = capacity(&base, &valid, args.capacity_s);
    // 70 % of the requests are valid uploads: the valid ones arrive at `load` × capacity.
    let rate = args.load * capacity / 0.7;
    eprintln!("[soak] capacity {capacity:.2} valid requests/s; offering {rate:.2} requests/s for {} min", args.minutes);

    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let samples: Mutex<Vec<Sample>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let saturated = AtomicUsize::new(0);
    let t0 = Instant::now();
    let total = Duration::from_secs_f64(args.minutes * 60.0);
    let (tx, rx) = mpsc::sync_channel::<(Kind, usize)>(64);
    let rx = Mutex::new(rx);
    std::thread::scope(|s| {
        for _ in 0..args.workers {
            let (rx, outcomes, valid, hostile, base) = (&rx, &outcomes, &valid, &hostile, &base);
            s.spawn(move || {
                let agent = agent();
                loop {
                    let Ok((kind, i)) = rx.lock().map_err(|_| ()).and_then(|r| r.recv().map_err(|_| ())) else {
                        return;
                    };
                    let u = if kind == Kind::Hostile { &hostile[i % hostile.len()] } else { &valid[i % valid.len()] };
                    let sent = Instant::now();
                    let status = send(&agent, base, kind, u);
                    let ms = sent.elapsed().as_secs_f64() * 1e3;
                    if let Ok(mut o) = outcomes.lock() {
                        o.push(Outcome { kind, status, ms, upload: i });
                    }
                }
            });
        }
        let sampler = s.spawn(|| {
            let agent = agent();
            let mut next = Duration::ZERO;
            let mut seen = 0;
            while !stop.load(Ordering::Relaxed) {
                if t0.elapsed() < next {
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                }
                next += Duration::from_secs_f64(args.sample_s);
                let m = scrape(&agent, &base);
                let (fresh, _) = {
                    let o = outcomes.lock().expect("outcomes");
                    let fresh: Vec<Outcome> = o.get(seen..).unwrap_or_default().to_vec();
                    seen = o.len();
                    (fresh, ())
                };
                let mut ms: Vec<f64> =
                    fresh.iter().filter(|o| o.kind == Kind::Valid && o.status == Some(200)).map(|o| o.ms).collect();
                ms.sort_by(f64::total_cmp);
                let mut statuses = BTreeMap::new();
                for o in fresh.iter().filter(|o| matches!(o.kind, Kind::Valid | Kind::Hostile)) {
                    *statuses.entry(status_key(o.status)).or_insert(0) += 1;
                }
                let sample = Sample {
                    minute: t0.elapsed().as_secs_f64() / 60.0,
                    rss_mib: rss_mib(pid).unwrap_or(f64::NAN),
                    fds: proc_count(pid, "fds"),
                    threads: proc_count(pid, "threads"),
                    queue_depth: m.get("instrument_server_queue_depth").copied().unwrap_or(f64::NAN),
                    in_flight: m.get("instrument_server_requests_in_flight").copied().unwrap_or(f64::NAN),
                    connections_open: m.get("instrument_server_connections_open").copied().unwrap_or(f64::NAN),
                    finished: fresh.len(),
                    statuses,
                    p50_ms: percentile(&ms, 0.5),
                    p99_ms: percentile(&ms, 0.99),
                };
                eprintln!(
                    "[soak] {:5.1} min: RSS {:.0} MiB, {} fds, {} threads, queue {}, {} finished, p50 {:.0} ms, p99 {:.0} ms, {:?}",
                    sample.minute,
                    sample.rss_mib,
                    sample.fds,
                    sample.threads,
                    sample.queue_depth,
                    sample.finished,
                    sample.p50_ms,
                    sample.p99_ms,
                    sample.statuses
                );
                samples.lock().expect("samples").push(sample);
            }
        });
        // Arrivals at `rate` (exponential gaps): 70 % valid, 20 % hostile, 10 % leaving clients.
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
        let mut at = Duration::ZERO;
        while at < total {
            let now = t0.elapsed();
            if at > now {
                std::thread::sleep(at - now);
            }
            let roll: f64 = rng.random();
            let kind = match roll {
                r if r < 0.70 => Kind::Valid,
                r if r < 0.90 => Kind::Hostile,
                r if r < 0.95 => Kind::LeavesMidUpload,
                _ => Kind::LeavesBeforeAnswer,
            };
            if tx.try_send((kind, rng.random_range(0..1000))).is_err() {
                saturated.fetch_add(1, Ordering::Relaxed);
            }
            let gap: f64 = -(1.0 - rng.random::<f64>()).ln() / rate;
            at += Duration::from_secs_f64(gap);
        }
        drop(tx);
        // Let the workers finish what they hold, then the last sample.
        std::thread::sleep(Duration::from_secs(5));
        stop.store(true, Ordering::Relaxed);
        let _ = sampler.join();
    });
    let samples = samples.into_inner().expect("samples");
    let outcomes = outcomes.into_inner().expect("outcomes");
    let mut by_kind = BTreeMap::new();
    let mut statuses = BTreeMap::new();
    for o in &outcomes {
        *by_kind.entry(format!("{:?}", o.kind)).or_insert(0) += 1;
        if matches!(o.kind, Kind::Valid | Kind::Hostile) {
            *statuses.entry(status_key(o.status)).or_insert(0) += 1;
        }
    }
    let answered = |o: &&Outcome| matches!(o.kind, Kind::Valid | Kind::Hostile);
    let lost = outcomes.iter().filter(answered).filter(|o| o.status.is_none()).count();
    let unexpected_5xx =
        outcomes.iter().filter(answered).filter(|o| o.status.is_some_and(|s| s >= 500 && s != 503)).count();
    let valid_refused: Vec<String> = outcomes
        .iter()
        .filter(|o| o.kind == Kind::Valid && o.status.is_some_and(|s| !matches!(s, 200 | 429 | 503)))
        .take(20)
        .map(|o| format!("{} -> {}", valid[o.upload % valid.len()].name, status_key(o.status)))
        .collect();
    let alive = server_alive(&server);
    let mut verdict = verdict(&samples, args.warmup_min, lost, unexpected_5xx, alive);
    verdict.push((
        format!("every valid upload answered 200, 429 or 503 ({} others)", valid_refused.len()),
        valid_refused.is_empty(),
    ));
    let report = Report {
        minutes: args.minutes,
        capacity_valid_requests_per_s: capacity,
        offered_requests_per_s: rate,
        requests_by_kind: by_kind,
        statuses,
        lost,
        unexpected_5xx,
        valid_refused,
        client_saturated: saturated.into_inner(),
        samples,
        verdict,
    };
    write_outputs(&report, &args.out)?;
    let passed = report.verdict.iter().all(|v| v.1);
    eprintln!("[soak] {}: {}", if passed { "passed" } else { "FAILED" }, args.out.join("soak.md").display());
    drop(server);
    anyhow::ensure!(passed, "the soak failed: {:?}", report.verdict);
    Ok(())
}

fn server_alive(server: &Running) -> bool {
    agent().get(format!("{}/healthz", server.base)).call().is_ok_and(|r| r.status().as_u16() == 200)
}

/// The pass conditions. Flat means: the mean RSS of the last quarter of the run is within 10 %
/// (plus 32 MiB) of the mean of the first quarter after the warm-up, and the most descriptors
/// open after the warm-up exceed the most of that first quarter by at most 16 (the clients'
/// connections come and go; a leak grows without bound).
fn verdict(
    samples: &[Sample],
    warmup_min: f64,
    lost: usize,
    unexpected_5xx: usize,
    alive: bool,
) -> Vec<(String, bool)> {
    let after: Vec<&Sample> = samples.iter().filter(|s| s.minute >= warmup_min).collect();
    let quarter = (after.len() / 4).max(1);
    let first = after.get(..quarter.min(after.len())).unwrap_or_default();
    let last = after.get(after.len().saturating_sub(quarter)..).unwrap_or_default();
    let mean = |xs: &[&Sample]| xs.iter().map(|s| s.rss_mib).sum::<f64>() / xs.len().max(1) as f64;
    let (rss_first, rss_last) = (mean(first), mean(last));
    let fds_first = first.iter().map(|s| s.fds).max().unwrap_or(0);
    let fds_max = after.iter().map(|s| s.fds).max().unwrap_or(0);
    vec![
        (format!("no request lost ({lost} unanswered)"), lost == 0),
        (format!("no 5xx but 503 ({unexpected_5xx})"), unexpected_5xx == 0),
        (
            format!("RSS flat: {rss_first:.0} MiB after the warm-up, {rss_last:.0} MiB at the end (bound ×1.1 + 32)"),
            after.len() >= 2 && rss_last <= rss_first * 1.1 + 32.0,
        ),
        (
            format!("descriptors flat: at most {fds_first} early, {fds_max} in all (bound +16)"),
            fds_max <= fds_first + 16,
        ),
        ("the server still answers /healthz".to_string(), alive),
    ]
}

fn write_outputs(r: &Report, out: &Path) -> anyhow::Result<()> {
    std::fs::write(out.join("soak.json"), serde_json::to_string_pretty(r)?)?;
    let mut csv =
        String::from("minute,rss_mib,fds,threads,queue_depth,in_flight,connections_open,finished,p50_ms,p99_ms\n");
    let mut md = String::from(
        "| minute | RSS MiB | fds | threads | queue | in flight | connections | finished | p50 ms | p99 ms | answers |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for s in &r.samples {
        csv += &(cells(s, 1).join(",") + "\n");
        let answers: Vec<String> = s.statuses.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        md += &format!("| {} | {} |\n", cells(s, 0).join(" | "), answers.join(", "));
    }
    let mut head = format!(
        "{} minutes; capacity {:.2} valid requests/s (4 clients back to back); offered {:.2} requests/s; requests by kind {:?}; answers of valid and hostile requests by status {:?}; {} arrivals dropped because every client was busy.\n\n",
        r.minutes, r.capacity_valid_requests_per_s, r.offered_requests_per_s, r.requests_by_kind, r.statuses, r.client_saturated
    );
    for (what, ok) in &r.verdict {
        head += &format!("- {} {what}\n", if *ok { "pass:" } else { "FAIL:" });
    }
    std::fs::write(out.join("soak.csv"), csv)?;
    std::fs::write(out.join("soak.md"), format!("{head}\n{md}"))?;
    plot(&r.samples, &out.join("soak.png"))
}

/// A sample's figures in the column order of soak.csv and soak.md, floats to `decimals`.
fn cells(s: &Sample, decimals: usize) -> Vec<String> {
    let f = |v: f64| format!("{v:.decimals$}");
    vec![
        format!("{:.1}", s.minute),
        f(s.rss_mib),
        s.fds.to_string(),
        s.threads.to_string(),
        s.queue_depth.to_string(),
        s.in_flight.to_string(),
        s.connections_open.to_string(),
        s.finished.to_string(),
        f(s.p50_ms),
        f(s.p99_ms),
    ]
}

fn plot(samples: &[Sample], path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (900, 720)).into_drawing_area();
    root.fill(&WHITE).map_err(trainer::plots::err)?;
    let panels = root.split_evenly((3, 1));
    let end = samples.last().map_or(1.0, |s| s.minute).max(1.0);
    type Series = (&'static str, fn(&Sample) -> f64, RGBColor);
    let series: [Series; 3] = [
        ("RSS (MiB)", |s| s.rss_mib, BLUE),
        ("open file descriptors", |s| s.fds as f64, RED),
        ("p99 of valid uploads (ms)", |s| s.p99_ms, BLACK),
    ];
    for (area, (name, value, color)) in panels.iter().zip(series) {
        let points: Vec<(f64, f64)> =
            samples.iter().map(|s| (s.minute, value(s))).filter(|p| p.1.is_finite()).collect();
        let top = points.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(name, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..end, 0.0..top)
            .map_err(trainer::plots::err)?;
        chart.configure_mesh().light_line_style(TRANSPARENT).x_desc("minutes").draw().map_err(trainer::plots::err)?;
        chart.draw_series(LineSeries::new(points, color.stroke_width(2))).map_err(trainer::plots::err)?;
    }
    root.present().map_err(trainer::plots::err)
}
