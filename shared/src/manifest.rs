//! The model directory's `manifest.json` (SPEC §4): what the model expects and how it was made.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::aggregate::{check_threshold, Aggregation, Thresholds};
use crate::frontend::{FrontEndParams, WindowParams};
use crate::labels::{LABELS, LABEL_NAMES};
use crate::ModelDirError;

/// Version of the manifest format written by this code.
pub const FORMAT_VERSION: u32 = 1;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub code: String,
    pub name: String,
}

/// How the model was trained and how it scored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Training {
    /// The command that produced the model.
    pub command: String,
    /// The training data (a path or a description).
    pub data: String,
    pub seed: u64,
    /// Share of recordings held out for validation (grouped by recording, drawn with `seed`).
    #[serde(default = "default_validation_fraction")]
    pub validation_fraction: f64,
    /// Epochs run, and the epoch whose weights were kept (the last one when they were averaged:
    /// `averaged_epochs`).
    pub epochs: usize,
    pub best_epoch: usize,
    pub validation_loss: f64,
    /// Free-form metrics (validation and test F1, LRAP…), by name.
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// What the training data was, when it says so itself: the `corpus.json` that `trainer synth`
    /// writes (its settings, banks, file counts and hours of audio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub corpus: Option<serde_json::Value>,
    /// The model whose weights this training started from (`trainer train --init-from`), by its
    /// id; absent when it started from a random initialisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_from: Option<String>,
    /// The first and last epoch whose weights were averaged into this model (`trainer train
    /// --average-from`); absent when the model is one epoch's weights (`best_epoch`'s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub averaged_epochs: Option<[usize; 2]>,
    /// The models whose weights were averaged into this one (`trainer average`: fine-tunes of
    /// one starting model on different corpora), by id; absent for a model that one training made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub averaged_models: Option<Vec<String>>,
    /// Under which terms the training data puts the model (a model trained on the real
    /// recordings of `../shared/data/real-instruments` is for research and non-commercial use:
    /// [`REAL_PACK_TERMS`]); absent when no data restricts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_terms: Option<String>,
}

/// The terms a model trained on the real-recordings pack carries (its README's licences).
pub const REAL_PACK_TERMS: &str = "research and non-commercial use only: trained on recordings under research-only terms (MIR-1K), under non-commercial licences (Bach Violin Dataset: Oliver Colbentson; Carlos Vaquero's violin notes) and on sample libraries that may not be sold, passed on or spread modified (Philharmonia, Maestro Concert Grand); the project's README lists every source and its licence";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// A short identifier of the model (shown by the API).
    pub model_id: String,
    pub labels: Vec<Label>,
    pub front_end: FrontEndParams,
    pub window: WindowParams,
    /// Activation of the network (`tanh`, `relu`, `prelu`, `lrelu:0.33`).
    pub activation: String,
    pub aggregation: Aggregation,
    pub threshold: f32,
    /// Arithmetic of the network inside `model.pt`; its input and output are float32 either way
    /// (a `bf16` model casts inside the graph). Absent in older manifests: `fp32`.
    #[serde(default)]
    pub precision: Precision,
    /// Optional per-label thresholds, by label code; they override `threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_thresholds: Option<BTreeMap<String, f32>>,
    /// The evidence a label needs besides its aggregated score: the mean of its highest quarter
    /// of window sigmoids ([`crate::aggregate::evidence`]) must reach this. Set for a model
    /// trained with negatives (excerpts in which none of the labels plays), whose sigmoids stay
    /// low where no instrument plays; absent (0, no second test) for one that never heard a
    /// window without an instrument, whose sigmoids say nothing of that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_floor: Option<f32>,
    /// Hex sha256 of `model.pt`.
    pub model_sha256: String,
    /// Hex sha256 of `strip.pt`, the same network over a strip of frames shared by overlapping
    /// windows (block 1 once per frame instead of twice); absent when the directory has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_sha256: Option<String>,
    pub libtorch_version: String,
    pub training: Training,
}

/// The arithmetic a model was exported in (`trainer export --precision`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats: the trained weights as they are.
    #[default]
    Fp32,
    /// bfloat16 weights and activations: about twice the matrix throughput on CPUs with AMX and
    /// on GPUs, but slower than fp32 on CPUs with AVX-512 BF16 alone, at a small cost in
    /// accuracy (measured in `docs/perf.md`).
    Bf16,
    /// int8 weights (per output channel) and uint8 activations (per tensor) after the first
    /// convolution, from PyTorch's post-training static quantiser (`scripts/export-int8.sh`),
    /// run by libtorch's x86 quantised engine (fbgemm): CPU only, the fastest arithmetic on CPUs
    /// without AMX, at a measured cost in accuracy (the manifest records its own metrics).
    Int8,
}

fn default_validation_fraction() -> f64 {
    0.15
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The canonical label list with display names.
pub fn canonical_labels() -> Vec<Label> {
    LABELS.iter().zip(LABEL_NAMES).map(|(c, n)| Label { code: c.to_string(), name: n.to_string() }).collect()
}

impl Manifest {
    /// A manifest for a freshly exported model with this code's front end, the canonical labels,
    /// S2 at θ 0.5 and no training record yet; `model_sha256` is filled in by the export.
    pub fn new(model_id: &str, window: WindowParams, activation: &str) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            model_id: model_id.to_string(),
            labels: canonical_labels(),
            front_end: FrontEndParams::default(),
            window,
            activation: activation.to_string(),
            aggregation: Aggregation::S2,
            threshold: 0.5,
            precision: Precision::Fp32,
            label_thresholds: None,
            evidence_floor: None,
            model_sha256: String::new(),
            strip_sha256: None,
            libtorch_version: "2.11.0".into(),
            training: Training::default(),
        }
    }

    /// The thresholds to apply: `requested` (a global θ, which must lie in [0, 1]) when given,
    /// else the manifest's per-label thresholds (its global one for labels they omit), else its
    /// global one. The one place the server and `trainer evaluate` decide it.
    pub fn thresholds(&self, requested: Option<f32>) -> std::result::Result<Thresholds, String> {
        match (requested, &self.label_thresholds) {
            (Some(t), _) => Ok(Thresholds::Global(check_threshold(t)?)),
            (None, Some(per)) => Ok(Thresholds::PerLabel(
                LABELS.iter().map(|l| per.get(*l).copied().unwrap_or(self.threshold)).collect(),
            )),
            (None, None) => Ok(Thresholds::Global(self.threshold)),
        }
    }

    /// Checks that this manifest describes `model_bytes` and a model this code can feed:
    /// the sha256, the label set and order, and the front-end parameters. The error says which.
    pub fn verify(&self, model_bytes: &[u8], front_end: &FrontEndParams) -> Result<(), ModelDirError> {
        let bad = |m: String| Err(ModelDirError::Manifest(m));
        if self.format_version != FORMAT_VERSION {
            return bad(format!("format_version {} (this build reads {FORMAT_VERSION})", self.format_version));
        }
        let actual = sha256_hex(model_bytes);
        if actual != self.model_sha256 {
            return bad(format!("model.pt has sha256 {actual}, the manifest says {}", self.model_sha256));
        }
        let codes: Vec<&str> = self.labels.iter().map(|l| l.code.as_str()).collect();
        if codes.len() != LABELS.len() {
            return bad(format!("{} labels, expected {}", codes.len(), LABELS.len()));
        }
        if codes != LABELS {
            return bad(format!("labels {} differ from {}", codes.join(" "), LABELS.join(" ")));
        }
        if &self.front_end != front_end {
            return bad(front_end_difference(&self.front_end, front_end));
        }
        if self.window.frames == 0 || self.window.hop_frames == 0 {
            return bad("window frames and hop must be positive".into());
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return bad(format!("threshold {} outside [0, 1]", self.threshold));
        }
        if let Some(ts) = &self.label_thresholds {
            if let Some(k) = ts.keys().find(|k| !LABELS.contains(&k.as_str())) {
                return bad(format!("per-label threshold for unknown label {k}"));
            }
        }
        Ok(())
    }
}

/// Names the first front-end field where two parameter sets differ.
fn front_end_difference(got: &FrontEndParams, want: &FrontEndParams) -> String {
    let (g, w) = (serde_json::to_value(got), serde_json::to_value(want));
    if let (Ok(serde_json::Value::Object(g)), Ok(serde_json::Value::Object(w))) = (g, w) {
        for (k, wv) in &w {
            if g.get(k) != Some(wv) {
                return format!(
                    "front_end.{k} is {} in the manifest, this server computes {wv}",
                    g.get(k).map_or("missing".into(), |v| v.to_string())
                );
            }
        }
    }
    "front-end parameters differ".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(bytes: &[u8]) -> Manifest {
        Manifest { model_sha256: sha256_hex(bytes), ..Manifest::new("test", WindowParams::default(), "lrelu:0.33") }
    }

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_matching_manifest_verifies_and_round_trips() {
        let m = manifest(b"model");
        m.verify(b"model", &FrontEndParams::default()).unwrap();
        let json = serde_json::to_string_pretty(&m).unwrap();
        assert!(json.contains("\"aggregation\": \"s2\""));
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), m);
    }

    #[test]
    fn thresholds_come_from_the_request_then_per_label_then_global() {
        let mut m = manifest(b"m");
        assert_eq!(m.thresholds(None).unwrap(), Thresholds::Global(0.5));
        assert_eq!(m.thresholds(Some(0.3)).unwrap(), Thresholds::Global(0.3));
        assert_eq!(m.thresholds(Some(1.5)).unwrap_err(), "threshold must be within [0, 1], got 1.5");
        assert!(m.thresholds(Some(f32::NAN)).is_err());
        m.label_thresholds = Some([("pia".to_string(), 0.2)].into());
        let Thresholds::PerLabel(per) = m.thresholds(None).unwrap() else { panic!("per-label") };
        assert_eq!((per[6], per[0], per.len()), (0.2, 0.5, 11));
        assert_eq!(m.thresholds(Some(0.7)).unwrap(), Thresholds::Global(0.7));
    }

    #[test]
    fn each_mismatch_says_what_differs() {
        let fe = FrontEndParams::default();
        let err = |m: &Manifest, bytes: &[u8]| m.verify(bytes, &fe).unwrap_err().to_string();
        assert!(err(&manifest(b"model"), b"tampered").contains("sha256"));
        let mut m = manifest(b"m");
        m.labels.pop();
        assert!(err(&m, b"m").contains("10 labels, expected 11"));
        let mut m = manifest(b"m");
        m.labels.swap(0, 1);
        assert!(err(&m, b"m").contains("labels cla cel"));
        let mut m = manifest(b"m");
        m.front_end.n_mels = 64;
        assert!(err(&m, b"m").contains("front_end.n_mels is 64"), "{}", err(&m, b"m"));
        let mut m = manifest(b"m");
        m.threshold = 1.5;
        assert!(err(&m, b"m").contains("threshold"));
    }
}
