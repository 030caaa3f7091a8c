//! Helpers for end-to-end tests: build and locate the workspace's real binaries, find the data
//! beside the checkout.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `../shared/eval/real-dev` beside the checkout (override with `REAL_DEV_DIR`).
pub fn real_dev_dir() -> PathBuf {
    std::env::var_os("REAL_DEV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/eval/real-dev"))
}

/// Path of a workspace binary (`trainer`, `server`), built first with the profile the tests run
/// under, so a test always drives the current code.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    // target/<profile>/deps/<test-exe> → target/<profile>
    let exe = std::env::current_exe().expect("current test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(repo_root()).args(["build", "-q", "--bins", "-p", "trainer", "-p", "server"]);
        if profile_dir.ends_with("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "building the binaries failed");
    });
    profile_dir.join(name)
}
