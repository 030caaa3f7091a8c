//! The servers under test as child processes, and their resident memory.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// A server process, killed when dropped.
pub struct Running {
    pub child: Child,
    pub base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// A free loopback port (bound and released; the server binds it right after).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Our server on `model`, with extra flags; waits for its "listening on" line (printed once the
/// model is loaded and warmed up).
pub fn ours(binary: &Path, model: &Path, extra: &[String]) -> anyhow::Result<Running> {
    let mut child = Command::new(binary)
        .arg("--model-dir")
        .arg(model)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(if extra.iter().any(|a| a == "--max-concurrent-requests") {
            &[][..]
        } else {
            &["--max-concurrent-requests", "64"][..]
        })
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {} (cargo build --release -p server)", binary.display()))?;
    let stdout = child.stdout.take().context("server stdout")?;
    let base = server::serve::read_listening_url(stdout).context("our server exited before listening")?;
    Ok(Running { child, base })
}

/// The reference FastAPI server under uvicorn (one process) on `device` (`cpu`, `cuda`), ready
/// when `/healthz` answers.
pub fn reference(python: &Path, model: &Path, threads: usize, device: &str) -> anyhow::Result<Running> {
    let port = free_port()?;
    let child = Command::new(python)
        .args(["-m", "uvicorn", "server:app", "--app-dir", "bench/reference", "--host", "127.0.0.1"])
        .args(["--port", &port.to_string(), "--log-level", "warning"])
        .env("MODEL_DIR", model)
        .env("THREADS", threads.to_string())
        .env("DEVICE", device)
        .env("OMP_NUM_THREADS", threads.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting uvicorn")?;
    let running = Running { child, base: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if ureq::get(&format!("{}/healthz", running.base)).call().is_ok() {
            return Ok(running);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    anyhow::bail!("the reference server did not answer /healthz within 120 s")
}

/// The precision our server says it serves (`/v1/model`).
pub fn served_precision(server: &Running) -> String {
    let info: Option<serde_json::Value> = ureq::get(&format!("{}/v1/model", server.base))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .and_then(|body| serde_json::from_str(&body).ok());
    match info.as_ref().and_then(|i| i["precision"].as_str()) {
        Some(p) => format!("`{p}`"),
        None => "its precision unknown".into(),
    }
}

/// Resident set size of a process in MiB (`VmRSS` of /proc/PID/status).
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Minor page faults of a process so far (`minflt`, the 10th field of /proc/PID/stat): memory the
/// kernel had to map in afresh, which an allocator that keeps freed memory avoids.
pub fn minor_faults(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    rest.split_whitespace().nth(7)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_faults_count_fresh_memory_being_touched() {
        let before = minor_faults(std::process::id()).expect("/proc/self/stat");
        // 64 MiB touched page by page: thousands of faults however the allocator serves it.
        let block = vec![1u8; 64 << 20];
        let after = minor_faults(std::process::id()).expect("/proc/self/stat");
        assert!(block.iter().step_by(4096).all(|&b| b == 1));
        assert!(after >= before + 1000, "{before} → {after}");
    }
}
