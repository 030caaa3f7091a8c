//! The API document's examples, made from the real thing so they cannot drift: each error
//! example is the body the server answers for a real error at the default settings, the model
//! example the embedded default model's manifest.
use serde_json::Value;

use super::error::{internal_message, ErrorBody};
use crate::config::{DEFAULT_MAX_AUDIO_SECONDS, DEFAULT_REQUEST_TIMEOUT_S};
use crate::error::ServerError;
use engine::infer::tuning::{ChunkTrial, Chunking};
use engine::Runtime;
use shared::invariant::ok;

/// The request id shown in the example of a 500.
pub const SAMPLE_REQUEST_ID: &str = "5f0c6e2a-3b1d-4c59-9a57-2f6b1e8d7c40";

/// The embedded default model's manifest.
const DEFAULT_MANIFEST: &str = include_str!("../../../models/default/manifest.json");

/// The error a documented status shows as its example.
pub fn error_for_status(status: u16) -> Option<ServerError> {
    Some(match status {
        400 => ServerError::EmptyBody,
        401 => ServerError::Unauthorized,
        408 => ServerError::Timeout { seconds: DEFAULT_REQUEST_TIMEOUT_S },
        413 => ServerError::from(shared::Error::TooLong { limit_seconds: DEFAULT_MAX_AUDIO_SECONDS }),
        415 => ServerError::from(shared::Error::UnknownFormat("core (probe): no suitable format reader found".into())),
        422 => ServerError::bad_parameter(shared::aggregate::check_threshold(1.5).err()?),
        429 => ServerError::Overloaded,
        500 => ServerError::from(engine::EngineError::Inference("a libtorch message that stays in the log".into())),
        503 => ServerError::from(engine::EngineError::QueueFull),
        _ => return None,
    })
}

/// The body the server answers for the example error of `status`.
pub fn error_body(status: u16) -> Option<Value> {
    let e = error_for_status(status)?;
    let mut body = ErrorBody::of(&e);
    if e.status().is_server_error() && body.error_type == crate::error::ErrorCode::Internal {
        body.error = internal_message(SAMPLE_REQUEST_ID);
    }
    serde_json::to_value(body).ok()
}

/// `GET /v1/model` on the default model, on the CPU, its chunk size tuned.
pub fn model_info() -> Value {
    let mut v: Value = ok(serde_json::from_str(DEFAULT_MANIFEST), "the embedded default manifest");
    let trials = [(4, 410.0), (8, 520.0), (16, 612.5), (32, 590.0), (64, 455.0)]
        .map(|(windows, windows_per_second)| ChunkTrial { windows, windows_per_second });
    let runtime = Runtime {
        device: "cpu".into(),
        shares_frames: true,
        chunking: Chunking { chunk_size: 16, tuned: true, trials: trials.to_vec() },
    };
    if let (Value::Object(m), Ok(Value::Object(r))) = (&mut v, serde_json::to_value(runtime)) {
        m.extend(r);
    }
    v
}
