//! `perf stream`: latency of live recognition. N clients stream a real recording to
//! `/v1/stream` at the pace of playback (100-ms messages of 16-bit PCM, looping the file) for a
//! while; the server's `stream_window_latency_seconds` histogram gives the time from the arrival
//! of the audio that completes a window to that window's message leaving, at each number of
//! streams. Then more streams until the p99 passes `--bound-ms`: how many real-time streams the
//! machine holds. Writes stream.md and stream.json.
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::Message;

use crate::cli::StreamArgs;

#[derive(Debug, Clone, Serialize)]
struct Level {
    streams: usize,
    seconds: f64,
    windows: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    /// Streams that broke or were refused before their end.
    failed: usize,
    /// Streams the server closed in this level, by reason (`stream_closes_total`).
    closes: Vec<(String, f64)>,
}

/// The 16-bit PCM of a WAV file, mono or not: (bytes, rate, channels).
fn pcm(path: &Path) -> anyhow::Result<(Vec<u8>, u32, u16)> {
    let mut r = hound::WavReader::open(path).with_context(|| format!("reading {}", path.display()))?;
    let spec = r.spec();
    anyhow::ensure!(spec.bits_per_sample == 16, "{}: 16-bit PCM wanted", path.display());
    let bytes = r.samples::<i16>().map(|s| s.map(i16::to_le_bytes)).collect::<Result<Vec<_>, _>>()?.concat();
    Ok((bytes, spec.sample_rate, spec.channels))
}

/// The cumulative buckets of one histogram on /metrics.
fn histogram(base: &str, name: &str) -> anyhow::Result<Vec<(f64, f64)>> {
    let text = ureq::get(format!("{base}/metrics")).call()?.body_mut().read_to_string()?;
    let prefix = format!("{name}_bucket{{le=\"");
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (le, count) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" { f64::INFINITY } else { le.parse().ok()? };
            Some((le, count.trim().parse().ok()?))
        })
        .collect())
}

/// `stream_closes_total` by reason.
fn closes(base: &str) -> anyhow::Result<Vec<(String, f64)>> {
    let text = ureq::get(format!("{base}/metrics")).call()?.body_mut().read_to_string()?;
    let prefix = "instrument_server_stream_closes_total{reason=\"";
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .filter_map(|rest| {
            let (reason, count) = rest.split_once("\"} ")?;
            Some((reason.to_string(), count.trim().parse().ok()?))
        })
        .collect())
}

/// The q-quantile of the observations between two scrapes, linear within a bucket.
fn quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> f64 {
    let delta: Vec<(f64, f64)> = after.iter().zip(before).map(|(a, b)| (a.0, a.1 - b.1)).collect();
    let total = delta.last().map_or(0.0, |d| d.1);
    if total <= 0.0 {
        return f64::NAN;
    }
    let want = q * total;
    let mut lower = (0.0, 0.0);
    for &(le, count) in &delta {
        if count >= want {
            if le.is_infinite() {
                return lower.0;
            }
            let share = if count > lower.1 { (want - lower.1) / (count - lower.1) } else { 1.0 };
            return lower.0 + (le - lower.0) * share;
        }
        lower = (le, count);
    }
    lower.0
}

/// One client streaming in real time until `stop`; whether it ended cleanly.
fn client(base: &str, audio: &(Vec<u8>, u32, u16), stop: &AtomicBool, offset: usize) -> bool {
    let (bytes, rate, channels) = audio;
    let url = format!("{}/v1/stream", base.replace("http://", "ws://"));
    let Ok((mut ws, _)) = tungstenite::connect(url) else { return false };
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        let _ = s.set_nonblocking(false);
        let _ = s.set_read_timeout(Some(Duration::from_millis(5)));
    }
    let start = serde_json::json!({"format": "pcm_s16le", "sample_rate": rate, "channels": channels});
    if ws.send(Message::text(start.to_string())).is_err() {
        return false;
    }
    let piece = (*rate as usize / 10) * *channels as usize * 2;
    let pieces = bytes.len() / piece.max(1);
    let t0 = Instant::now();
    let mut i = 0;
    let mut ok = true;
    while !stop.load(Ordering::Relaxed) {
        let due = t0 + Duration::from_millis(100 * i as u64);
        // Read what has come while waiting for the next piece's time.
        if read_until(&mut ws, due, false) != Read::TimeUp {
            return false;
        }
        let k = (offset + i) % pieces.max(1);
        if ws.send(Message::binary(bytes[k * piece..(k + 1) * piece].to_vec())).is_err() {
            ok = false;
            break;
        }
        i += 1;
    }
    let _ = ws.send(Message::text(r#"{"type":"end"}"#));
    ok && read_until(&mut ws, Instant::now() + Duration::from_secs(30), true) == Read::Final
}

#[derive(PartialEq)]
enum Read {
    TimeUp,
    Final,
    /// An error message, a close or a broken socket.
    Ended,
}

type Socket = tungstenite::WebSocket<MaybeTlsStream<std::net::TcpStream>>;

/// Reads the server's messages until `deadline`, or until the final answer when `to_final`.
fn read_until(ws: &mut Socket, deadline: Instant, to_final: bool) -> Read {
    while Instant::now() < deadline {
        match ws.read() {
            Ok(Message::Text(t)) if t.as_str().contains("\"type\":\"error\"") => return Read::Ended,
            Ok(Message::Text(t)) if to_final && t.as_str().contains("\"type\":\"final\"") => return Read::Final,
            Ok(Message::Close(_)) => return Read::Ended,
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Read::Ended,
        }
    }
    Read::TimeUp
}

fn level(base: &str, audio: &(Vec<u8>, u32, u16), streams: usize, seconds: f64) -> anyhow::Result<Level> {
    let name = "instrument_server_stream_window_latency_seconds";
    let before = histogram(base, name)?;
    let closed_before = closes(base)?;
    let stop = AtomicBool::new(false);
    let failed = AtomicUsize::new(0);
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for c in 0..streams {
            let (stop, failed) = (&stop, &failed);
            s.spawn(move || {
                // Spread the streams' phases over a second, as independent clients would be.
                std::thread::sleep(Duration::from_millis((c * 1000 / streams.max(1)) as u64));
                if !client(base, audio, stop, c * 37) {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let after = histogram(base, name)?;
    let closes: Vec<(String, f64)> = closes(base)?
        .into_iter()
        .map(|(reason, n)| {
            let was = closed_before.iter().find(|c| c.0 == reason).map_or(0.0, |c| c.1);
            (reason, n - was)
        })
        .filter(|c| c.1 > 0.0)
        .collect();
    let windows = (after.last().map_or(0.0, |a| a.1) - before.last().map_or(0.0, |b| b.1)) as u64;
    let l = Level {
        streams,
        seconds: t0.elapsed().as_secs_f64(),
        windows,
        p50_ms: quantile(&before, &after, 0.5) * 1e3,
        p90_ms: quantile(&before, &after, 0.9) * 1e3,
        p99_ms: quantile(&before, &after, 0.99) * 1e3,
        failed: failed.into_inner(),
        closes,
    };
    eprintln!("[stream] {l:?}");
    Ok(l)
}

pub fn run(args: &StreamArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    let audio = pcm(&args.clip)?;
    let extra = vec!["--max-concurrent-requests".to_string(), "1024".to_string()];
    let server = crate::procs::ours(&args.server, &args.model, &extra)?;
    let mut levels = Vec::new();
    for &n in &args.streams {
        levels.push(level(&server.base, &audio, n, args.seconds)?);
    }
    // More streams until the p99 passes the bound (or streams fail).
    let mut held =
        levels.iter().filter(|l| l.p99_ms <= args.bound_ms && l.failed == 0).map(|l| l.streams).max().unwrap_or(0);
    let mut n = levels.iter().map(|l| l.streams).max().unwrap_or(1);
    let mut search = Vec::new();
    while n < args.max_streams {
        n = (n * 3 / 2).max(n + 1);
        let l = level(&server.base, &audio, n, args.seconds)?;
        let within = l.p99_ms <= args.bound_ms && l.failed == 0;
        search.push(l);
        if !within {
            break;
        }
        held = n;
    }
    let cpu = format!("{} ({})", crate::machine::cpu_name(), crate::machine::cpu_flags());
    let mut md = format!(
        "Live streams on {cpu}: each client sends {} at the pace of playback in 100-ms messages; latency is from the arrival of the message that completes a window to the window's message leaving (server histogram `stream_window_latency_seconds`), {} s per level.\n\n| streams | windows | p50 ms | p90 ms | p99 ms | failed | closed by the server |\n|---:|---:|---:|---:|---:|---:|---|\n",
        args.clip.display(),
        args.seconds
    );
    for l in levels.iter().chain(&search) {
        let closes: Vec<String> = l.closes.iter().map(|(r, n)| format!("{r} {n}")).collect();
        md += &format!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {} | {} |\n",
            l.streams,
            l.windows,
            l.p50_ms,
            l.p90_ms,
            l.p99_ms,
            l.failed,
            closes.join(", ")
        );
    }
    md += &format!("\nReal-time streams held with p99 ≤ {} ms: **{held}**.\n", args.bound_ms);
    let json =
        serde_json::json!({"cpu": cpu, "levels": levels, "search": search, "held": held, "bound_ms": args.bound_ms});
    std::fs::write(args.out.join("stream.md"), &md)?;
    std::fs::write(args.out.join("stream.json"), serde_json::to_string_pretty(&json)?)?;
    println!("{md}");
    Ok(())
}
