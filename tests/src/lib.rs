//! Helpers for end-to-end tests: build and locate the workspace's real binaries, find the data
//! beside the checkout.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub mod hostile;
pub mod quality;

pub use test_support::{audio, fresh_scratch_dir, repo_root, scratch_dir, tone, wav_bytes};

/// `../shared/eval/real-dev` beside the checkout (override with `REAL_DEV_DIR`).
pub fn real_dev_dir() -> PathBuf {
    std::env::var_os("REAL_DEV_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("../shared/eval/real-dev"))
}

/// The bytes of the real-dev clip `name`.
pub fn real_dev_clip(name: &str) -> Vec<u8> {
    let path = real_dev_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("real-dev clip {}: {e}", path.display()))
}

/// Path of a workspace binary (`trainer`, `server`, and this crate's `faulty-server`), built first with the profile the tests run
/// under, so a test always drives the current code.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    // target/<profile>/deps/<test-exe> → target/<profile>
    let exe = std::env::current_exe().expect("current test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(repo_root()).args(["build", "-q", "--bins", "-p", "trainer", "-p", "server", "-p", "e2e"]);
        if profile_dir.ends_with("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "building the binaries failed");
    });
    profile_dir.join(name)
}

/// A model directory with an untrained (randomly initialised) network, exported by the trainer's
/// own code: enough to exercise the server end to end without a training run.
pub fn export_untrained_model(dir: &Path) {
    use shared::frontend::WindowParams;
    use shared::manifest::Manifest;
    tch::manual_seed(1);
    let mut vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let activation = trainer::model::Activation::default();
    let net = trainer::model::ConvNet::new(&vs.root(), activation, 11);
    let manifest = Manifest::new("untrained-test", WindowParams::default(), &activation.to_string());
    trainer::export::export(&mut vs, &net, manifest, dir).expect("export the test model");
}

/// A running `server` process on a free loopback port; killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

/// The chunk size the tests' servers and `server recognize` runs are given (`CHUNK_SIZE`): timed
/// at each start, it would cost 2 s and could differ between two runs, and so the last digits of
/// their scores.
pub const FIXED_CHUNK_SIZE: &str = "16";

impl Server {
    /// Starts the real binary and waits for its "listening on" line. The chunk size is fixed at
    /// 16 (`CHUNK_SIZE`), sparing each start the 2 s of timing, unless `extra` passes
    /// `--chunk-size` (the default model's test tunes it).
    pub fn start(model_dir: &Path, extra: &[&str]) -> Server {
        Self::start_binary("server", model_dir, extra, &[])
    }

    /// [`Server::start`] of another build of the server (`faulty-server`) with more environment
    /// variables.
    pub fn start_binary(name: &str, model_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(binary(name))
            .env("CHUNK_SIZE", FIXED_CHUNK_SIZE)
            .envs(env.iter().copied())
            .args(["--model-dir", model_dir.to_str().unwrap(), "--host", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().expect("server stdout");
        let base = server::serve::read_listening_url(stdout).expect("server exited before listening");
        Server { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A model directory for server tests, exported once per test process (`name` keeps test files
/// that run in parallel apart).
pub fn test_model_dir(name: &str) -> PathBuf {
    // Tests of one file run in parallel threads: one exports, the others wait for it.
    static EXPORT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = EXPORT.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch_dir(&format!("{name}-model"));
    if !dir.join("model.pt").exists() {
        export_untrained_model(&dir);
    }
    dir
}

/// An HTTP client that returns 4xx/5xx responses instead of turning them into errors.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

impl Server {
    /// The value of one series on `/metrics` (`name` with its labels, as the line starts).
    pub fn metric(&self, name: &str) -> f64 {
        let text = http_agent().get(self.url("/metrics")).call().unwrap().body_mut().read_to_string().unwrap();
        text.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing"))
    }
}

/// Every PromQL query of the Grafana dashboard (`deploy/grafana/dashboards/`).
pub fn dashboard_queries() -> Vec<String> {
    let path = repo_root().join("deploy/grafana/dashboards/instrument-server.json");
    let dash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the dashboard")).expect("dashboard JSON");
    let mut exprs = Vec::new();
    for panel in dash["panels"].as_array().into_iter().flatten() {
        for t in panel["targets"].as_array().into_iter().flatten() {
            exprs.extend(t["expr"].as_str().map(str::to_string));
        }
    }
    exprs
}

/// A free TCP port on loopback (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}
