//! `GET /v1/model`: the manifest of the model being served and where it runs.
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use shared::manifest::Manifest;

use super::AppState;

#[derive(Serialize)]
pub struct ModelInfo {
    device: String,
    #[serde(flatten)]
    manifest: Manifest,
}

pub async fn model_info(State(state): State<Arc<AppState>>) -> Json<ModelInfo> {
    Json(ModelInfo { device: state.device.clone(), manifest: state.manifest.clone() })
}
