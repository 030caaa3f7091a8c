//! The model directory (SPEC §4): its file names, and reading its manifest verified against
//! `model.pt`. The one place the trainer, the server and the benchmarks read a model directory.
use std::path::{Path, PathBuf};

use crate::frontend::FrontEndParams;
use crate::manifest::{Manifest, Precision};
use crate::ModelDirError as Error;

type Result<T> = std::result::Result<T, Error>;

/// The TorchScript module.
pub const MODEL_FILE: &str = "model.pt";
/// The trainable weights (the trainer's analyses rebuild the network from them).
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// What the model expects and how it was made.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The same network over a strip of frames that overlapping windows share (optional; the
/// manifest's `strip_sha256` names it).
pub const STRIP_FILE: &str = "strip.pt";

/// Paths of a model directory's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDir {
    pub dir: PathBuf,
}

impl ModelDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn model(&self) -> PathBuf {
        self.dir.join(MODEL_FILE)
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.join(MANIFEST_FILE)
    }

    pub fn weights(&self) -> PathBuf {
        self.dir.join(WEIGHTS_FILE)
    }

    pub fn strip(&self) -> PathBuf {
        self.dir.join(STRIP_FILE)
    }

    /// The directory of this model's export at `precision`: itself for fp32 (the trained
    /// weights as they are), its `bf16/` sub-folder (`trainer export --precision bf16`) or its
    /// `int8/` one (`scripts/export-int8.sh`). The one place the sub-folders are named.
    pub fn export(&self, precision: Precision) -> ModelDir {
        match precision {
            Precision::Fp32 => self.clone(),
            Precision::Bf16 => ModelDir::new(self.dir.join("bf16")),
            Precision::Int8 => ModelDir::new(self.dir.join("int8")),
        }
    }

    /// Whether the directory holds a manifest (an export exists there).
    pub fn exists(&self) -> bool {
        self.manifest().is_file()
    }

    /// `strip.pt` checked against the manifest's `strip_sha256`, or `None` when the manifest
    /// names none (models exported before it existed, int8 models).
    pub fn verified_strip(&self, manifest: &Manifest) -> Result<Option<PathBuf>> {
        let Some(expected) = &manifest.strip_sha256 else { return Ok(None) };
        let path = self.strip();
        let bad = |message: String| Error::File { path: path.clone(), message };
        let bytes = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
        let actual = crate::manifest::sha256_hex(&bytes);
        if &actual != expected {
            return Err(bad(format!("{STRIP_FILE} has sha256 {actual}, the manifest says {expected}")));
        }
        Ok(Some(path))
    }

    /// Reads and parses `manifest.json`, not yet checked against `model.pt`.
    pub fn read_manifest(&self) -> Result<Manifest> {
        let path = self.manifest();
        let bad = |message: String| Error::File { path: path.clone(), message };
        let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| bad(format!("not a valid manifest: {e}")))
    }

    /// Reads the manifest and checks it against `model.pt` (sha256, labels) and the front end
    /// this code computes: a model that would be fed wrongly is refused, with the reason and the
    /// file it is about.
    pub fn read_verified(&self) -> Result<Manifest> {
        let manifest = self.read_manifest()?;
        let model = self.model();
        let bytes = std::fs::read(&model).map_err(|e| Error::File { path: model, message: e.to_string() })?;
        manifest
            .verify(&bytes, &FrontEndParams::default())
            .map_err(|e| Error::File { path: self.manifest(), message: e.to_string() })?;
        Ok(manifest)
    }

    /// Writes `manifest.json` (pretty JSON with a trailing newline, as committed).
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.manifest();
        let bad = |message: String| Error::File { path: path.clone(), message };
        let text = serde_json::to_string_pretty(manifest).map_err(|e| bad(e.to_string()))?;
        std::fs::write(&path, text + "\n").map_err(|e| bad(e.to_string()))
    }
}

impl AsRef<Path> for ModelDir {
    fn as_ref(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::WindowParams;
    use crate::manifest::sha256_hex;

    fn dir(name: &str) -> ModelDir {
        ModelDir::new(test_support::fresh_scratch_dir(&format!("model-dir-{name}")))
    }

    fn write(d: &ModelDir, model: &[u8]) -> Manifest {
        std::fs::write(d.model(), model).unwrap();
        let m = Manifest {
            model_sha256: sha256_hex(model),
            ..Manifest::new("dir-test", WindowParams::default(), "lrelu:0.33")
        };
        d.write_manifest(&m).unwrap();
        m
    }

    #[test]
    fn a_written_directory_reads_back_verified() {
        let d = dir("ok");
        let m = write(&d, b"model bytes");
        assert_eq!(d.read_verified().unwrap(), m);
        assert!(std::fs::read_to_string(d.manifest()).unwrap().ends_with("}\n"));
        std::fs::remove_dir_all(&d.dir).ok();
    }

    #[test]
    fn each_fault_names_its_file_and_problem() {
        let msg = |d: &ModelDir| d.read_verified().unwrap_err().to_string();
        let d = dir("faults");
        write(&d, b"model bytes");
        std::fs::write(d.model(), b"tampered").unwrap();
        let e = msg(&d);
        assert!(e.contains(MANIFEST_FILE) && e.contains("sha256"), "{e}");
        std::fs::remove_file(d.model()).unwrap();
        let e = msg(&d);
        assert!(e.contains(MODEL_FILE) && e.contains("No such file"), "{e}");
        std::fs::write(d.manifest(), "{").unwrap();
        let e = msg(&d);
        assert!(e.contains(MANIFEST_FILE) && e.contains("not a valid manifest"), "{e}");
        std::fs::remove_file(d.manifest()).unwrap();
        let e = msg(&d);
        assert!(e.contains(MANIFEST_FILE) && e.contains("No such file"), "{e}");
        std::fs::remove_dir_all(&d.dir).ok();
    }

    #[test]
    fn the_strip_module_is_read_only_when_named_and_only_when_it_matches() {
        let d = dir("strip");
        let mut m = write(&d, b"model bytes");
        std::fs::write(d.strip(), b"strip bytes").unwrap();
        assert_eq!(d.verified_strip(&m).unwrap(), None, "not named by the manifest");
        m.strip_sha256 = Some(sha256_hex(b"strip bytes"));
        assert_eq!(d.verified_strip(&m).unwrap(), Some(d.strip()));
        std::fs::write(d.strip(), b"tampered").unwrap();
        let e = d.verified_strip(&m).unwrap_err().to_string();
        assert!(e.contains(STRIP_FILE) && e.contains("sha256"), "{e}");
        std::fs::remove_file(d.strip()).unwrap();
        let e = d.verified_strip(&m).unwrap_err().to_string();
        assert!(e.contains(STRIP_FILE) && e.contains("No such file"), "{e}");
        std::fs::remove_dir_all(&d.dir).ok();
    }

    #[test]
    fn each_precision_has_its_own_folder() {
        let d = dir("exports");
        assert_eq!(d.export(Precision::Fp32), d);
        assert_eq!(d.export(Precision::Bf16).dir, d.dir.join("bf16"));
        assert_eq!(d.export(Precision::Int8).dir, d.dir.join("int8"));
        assert!(!d.export(Precision::Bf16).exists());
        std::fs::create_dir_all(&d.export(Precision::Bf16).dir).unwrap();
        write(&d.export(Precision::Bf16), b"bf16 model");
        assert!(d.export(Precision::Bf16).exists());
        std::fs::remove_dir_all(&d.dir).ok();
    }
}
