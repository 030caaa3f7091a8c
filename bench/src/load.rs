//! A bounded load generator: `concurrency` clients post one clip (multipart field `file`) in a
//! loop for a fixed time or number of requests, while the server's resident memory is sampled.
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::cli::LoadArgs;
use crate::procs::{minor_faults, rss_mib};

const BOUNDARY: &str = "perf-bench-boundary-7f3a9c";

/// What to send, how hard and for how long.
pub struct Plan {
    pub url: String,
    pub body: Arc<Vec<u8>>,
    pub clip_seconds: f64,
    pub concurrency: usize,
    pub seconds: f64,
    pub requests: usize,
}

/// Measurements of one load run.
#[derive(Debug, Clone, Serialize)]
pub struct LoadResult {
    pub concurrency: usize,
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub audio_seconds_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub rss_start_mib: Option<f64>,
    pub rss_peak_mib: Option<f64>,
    pub rss_end_mib: Option<f64>,
    /// RSS after each tenth of the requests (soak runs).
    pub rss_trace_mib: Vec<f64>,
    /// The server's minor page faults per answered request, after the warm-up.
    pub minor_faults_per_request: Option<f64>,
}

/// The multipart/form-data body of an upload of `path` as the field `file`.
pub fn multipart_body(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("clip");
    let mime = if name.ends_with(".mp3") { "audio/mpeg" } else { "audio/wav" };
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Ok(body)
}

impl Plan {
    pub fn new(
        url: &str,
        clip: &Path,
        clip_seconds: f64,
        concurrency: usize,
        seconds: f64,
        requests: usize,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            url: format!("{}/v1/recognize", url.trim_end_matches('/')),
            body: Arc::new(multipart_body(clip)?),
            clip_seconds,
            concurrency: concurrency.max(1),
            seconds,
            requests,
        })
    }

    pub fn from_args(a: &LoadArgs) -> anyhow::Result<Self> {
        Self::new(&a.url, &a.clip, a.clip_seconds, a.concurrency, a.seconds, a.requests)
    }
}

fn post(agent: &ureq::Agent, plan: &Plan) -> bool {
    agent
        .post(&plan.url)
        .header("Content-Type", &format!("multipart/form-data; boundary={BOUNDARY}"))
        .send(&plan.body[..])
        .ok()
        .and_then(|mut r| r.body_mut().read_to_vec().ok().map(|_| r.status().as_u16() == 200))
        .unwrap_or(false)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// Runs the plan against the server (process `pid`, when given, has its RSS sampled every 50 ms).
pub fn drive(plan: &Plan, pid: Option<u32>) -> anyhow::Result<LoadResult> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into();
    // One warm-up request per client: connections open, caches and JIT profiles filled.
    for _ in 0..plan.concurrency {
        anyhow::ensure!(post(&agent, plan), "warm-up request to {} failed", plan.url);
    }
    let done = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let sampler = pid.map(|pid| {
        let (done, sent, limit) = (done.clone(), sent.clone(), plan.requests);
        std::thread::spawn(move || {
            let (mut peak, mut trace, mut next) = (0.0f64, Vec::new(), limit / 10);
            while !done.load(Ordering::Relaxed) {
                let rss = rss_mib(pid).unwrap_or(0.0);
                peak = peak.max(rss);
                if limit > 0 && sent.load(Ordering::Relaxed) >= next && next > 0 {
                    trace.push(rss);
                    next += limit / 10;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            (peak, trace)
        })
    });
    let rss_start = pid.and_then(rss_mib);
    let faults_start = pid.and_then(minor_faults);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(plan.seconds);
    let results: Vec<Vec<(f64, bool)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..plan.concurrency)
            .map(|_| {
                let (agent, sent) = (agent.clone(), sent.clone());
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        if plan.requests > 0 {
                            if sent.fetch_add(1, Ordering::Relaxed) >= plan.requests {
                                break;
                            }
                        } else if Instant::now() >= deadline {
                            break;
                        }
                        let t = Instant::now();
                        let ok = post(&agent, plan);
                        mine.push((t.elapsed().as_secs_f64() * 1e3, ok));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_default()).collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let faults = faults_start.zip(pid.and_then(minor_faults)).map(|(a, b)| b.saturating_sub(a) as f64);
    done.store(true, Ordering::Relaxed);
    let (peak, trace) = sampler.and_then(|h| h.join().ok()).map_or((None, Vec::new()), |(p, t)| (Some(p), t));
    let all: Vec<(f64, bool)> = results.into_iter().flatten().collect();
    let mut ok: Vec<f64> = all.iter().filter(|r| r.1).map(|r| r.0).collect();
    ok.sort_by(f64::total_cmp);
    let requests = ok.len();
    Ok(LoadResult {
        concurrency: plan.concurrency,
        requests,
        errors: all.len() - requests,
        seconds,
        requests_per_second: requests as f64 / seconds,
        audio_seconds_per_second: requests as f64 * plan.clip_seconds / seconds,
        p50_ms: percentile(&ok, 0.50),
        p99_ms: percentile(&ok, 0.99),
        rss_start_mib: rss_start,
        rss_peak_mib: peak,
        rss_end_mib: pid.and_then(rss_mib),
        rss_trace_mib: trace,
        minor_faults_per_request: faults.map(|f| f / requests.max(1) as f64),
    })
}

/// Drives one server at every concurrency level on `clip`; returns the results in level order.
pub fn levels(
    server: &crate::procs::Running,
    clip: &crate::clips::Clip,
    levels: &[usize],
    seconds: f64,
) -> anyhow::Result<Vec<LoadResult>> {
    levels
        .iter()
        .map(|&c| {
            let r = drive(&Plan::new(&server.base, &clip.path, clip.seconds, c, seconds, 0)?, Some(server.pid()))?;
            eprintln!(
                "[perf] {} c={c}: {:.1} audio-s/s, p50 {:.0} ms, p99 {:.0} ms",
                server.base, r.audio_seconds_per_second, r.p50_ms, r.p99_ms
            );
            Ok(r)
        })
        .collect()
}
