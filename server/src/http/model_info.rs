//! `GET /v1/model`: the manifest of the model being served and where it runs.
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use shared::manifest::Manifest;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::AppState;

/// The served model's manifest (SPEC §4) and its device.
#[derive(Serialize, ToSchema)]
pub struct ModelInfo {
    /// Where the model runs: `cpu` or `cuda:N`.
    #[schema(example = "cpu")]
    device: String,
    #[serde(flatten)]
    manifest: Manifest,
}

/// The model being served: labels, front-end parameters, thresholds, how it was trained.
#[utoipa::path(get, path = "/v1/model", tag = "recognition",
    responses(
        (status = 200, description = "The manifest and the device.", body = ModelInfo, example = json!({
            "device": "cpu", "format_version": 1, "model_id": "irmas-real-v2",
            "labels": [{"code": "cel", "name": "cello"}, {"code": "cla", "name": "clarinet"}],
            "front_end": {"sample_rate": 22050, "n_fft": 1024, "hop_length": 512, "n_mels": 128,
                "fmin": 0.0, "fmax": 11025.0, "power": 2.0, "log_epsilon": 1e-6, "mel_scale": "slaney", "center": true},
            "window": {"frames": 43, "hop_frames": 22},
            "activation": "lrelu:0.33", "aggregation": "s2", "threshold": 0.5, "precision": "fp32",
            "model_sha256": "9f2c…", "libtorch_version": "2.11.0",
            "training": {"command": "trainer train --data corpus --out model", "data": "corpus", "seed": 1,
                "validation_fraction": 0.15, "epochs": 16, "best_epoch": 14, "validation_loss": 0.037,
                "metrics": {"test_macro_f1": 0.6}}
        })),
        (status = 401, description = "API keys are configured and none valid was sent.", body = ErrorBody,
            example = json!({"error": "missing or unknown API key: send `Authorization: Bearer <key>`", "error_type": "unauthorized"})),
    ),
    security((), ("api_key" = [])))]
pub async fn model_info(State(state): State<Arc<AppState>>) -> Json<ModelInfo> {
    Json(ModelInfo { device: state.device.clone(), manifest: state.manifest.clone() })
}
