//! `GET /v1/model`: the manifest of the model being served and where it runs.
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use shared::manifest::Manifest;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::AppState;
use engine::Runtime;

/// The served model's manifest (SPEC §4), its device and its chunk size.
#[derive(Serialize, ToSchema)]
pub struct ModelInfo {
    #[serde(flatten)]
    runtime: Runtime,
    #[serde(flatten)]
    manifest: Manifest,
}

/// The model being served: labels, front-end parameters, thresholds, how it was trained, where
/// it runs and in chunks of how many windows.
#[utoipa::path(get, path = "/v1/model", tag = "recognition",
    responses(
        (status = 200, description = "The manifest and the device.", body = ModelInfo),
        (status = 401, description = "API keys are configured and none valid was sent.", body = ErrorBody),
    ),
    security((), ("api_key" = [])))]
pub async fn model_info(State(state): State<Arc<AppState>>) -> Json<ModelInfo> {
    Json(ModelInfo { runtime: state.runtime.clone(), manifest: state.recognizer.manifest().clone() })
}
