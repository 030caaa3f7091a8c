//! What every crate's tests share: scratch folders under `target/`, test signals and the WAV
//! files they are written as. A leaf: it depends on nothing of the workspace and links no
//! libtorch, so `shared`'s tests use it as the end-to-end tests do.
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub mod audio;

pub use audio::{sine, sine_frames, tone, wav, wav_bytes, Fmt};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("test-support/ has a parent").to_path_buf()
}

/// A scratch path for this test process: `target/test-scratch/<pid>/<name>` (not created). Every
/// test file goes here rather than the system's temp folder: a run leaves its files for a look
/// after a failure, and the first call in each test process removes the folders of test
/// processes that have ended, so the scratch never holds more than one run's worth.
pub fn scratch_dir(name: &str) -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = repo_root().join("target/test-scratch");
        // Liveness is read from /proc; without it nothing is removed (a concurrent run's folder
        // must never go).
        if Path::new("/proc/self").exists() {
            for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
                let pid = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok());
                if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                    // Test processes that start together (cargo nextest) may remove the same
                    // folder at once: what another one removed first is not an error.
                    match std::fs::remove_dir_all(entry.path()) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            panic!("removing {}: {e}", entry.path().display())
                        }
                        _ => {}
                    }
                }
            }
        }
        let root = base.join(std::process::id().to_string());
        std::fs::create_dir_all(&root).expect("create the scratch folder");
        root
    })
    .join(name)
}

/// [`scratch_dir`] `name` as a new empty folder (whatever this process left there before removed).
pub fn fresh_scratch_dir(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_folders_are_per_process_and_fresh_when_asked() {
        let a = fresh_scratch_dir("a");
        assert!(a.is_dir() && a.starts_with(repo_root().join("target/test-scratch")));
        assert!(a.parent().unwrap().ends_with(std::process::id().to_string()));
        std::fs::write(a.join("left"), b"x").unwrap();
        assert!(!fresh_scratch_dir("a").join("left").exists());
        assert_eq!(scratch_dir("b").parent(), a.parent());
    }
}
