//! The OpenAPI 3.1 document, generated from the handlers and types. `server openapi` writes it
//! to `openapi/openapi.json`; a test fails when the committed file differs from this.
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::stream::{ClientMessage, StreamMessage, StreamStart};
use super::{examples, health, model_info, recognize, stream};
use crate::error::ErrorCode;
use shared::invariant::{ok, some};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Instrument recognition",
        description = "Names the predominant instruments (11 classes, as IRMAS) in a recording of any length: \
a ConvNet over 1-s log-mel windows with a 0.5-s hop (Han, Kim & Lee, 2017), aggregated per instrument.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(recognize::recognize, stream::stream, model_info::model_info, health::healthz, health::readyz, health::metrics),
    components(schemas(ErrorBody, ErrorCode, StreamStart, ClientMessage, StreamMessage)),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "recognition", description = "Instruments in audio"),
        (name = "operations", description = "Health, readiness and metrics; never behind API keys"),
    )
)]
pub struct ApiDoc;

/// `Authorization: Bearer KEY` on `/v1/*` when the server has keys configured.
struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key configured with --api-keys"))
                    .build(),
            ),
        );
    }
}

/// The document as pretty JSON with a trailing newline, as committed.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let mut doc = ok(serde_json::to_value(doc), "the API document as JSON");
    real_examples(&mut doc);
    ok(serde_json::to_string_pretty(&doc), "the API document as text") + "\n"
}

/// Sets the example of every error answer to the body the server gives for that status, and
/// the model's to the default model's manifest (http/examples.rs): no hand-written copies.
fn real_examples(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else { return };
    for (path, ops) in paths.iter_mut() {
        let Some(ops) = ops.as_object_mut() else { continue };
        for op in ops.values_mut() {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else { continue };
            for (status, response) in responses.iter_mut() {
                let Some(json) = response.pointer_mut("/content/application~1json") else { continue };
                let is_error = json.pointer("/schema/$ref").and_then(|r| r.as_str()) == Some(ERROR_BODY_REF);
                let example = match (path.as_str(), status.as_str()) {
                    (_, s) if is_error => s.parse().ok().and_then(examples::error_body),
                    ("/v1/model", "200") => Some(examples::model_info()),
                    _ => None,
                };
                if let (Some(example), Some(json)) = (example, json.as_object_mut()) {
                    json.insert("example".into(), example);
                }
            }
        }
    }
}

const ERROR_BODY_REF: &str = "#/components/schemas/ErrorBody";

/// The messages of `/v1/stream` as one JSON Schema (2020-12) document: a message is a
/// `StreamStart`, a `ClientMessage` or a `StreamMessage`; every schema they use is under
/// `$defs`. `server openapi` writes it beside the API document as `stream-messages.json`.
pub fn stream_schema() -> String {
    let doc = ApiDoc::openapi();
    let schemas = some(doc.components.map(|c| c.schemas), "the API document's schemas");
    let text = ok(serde_json::to_string(&schemas), "the schemas as JSON").replace("#/components/schemas/", "#/$defs/");
    let defs: serde_json::Value = ok(serde_json::from_str(&text), "the renamed schemas");
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "stream-messages.json",
        "title": "Messages of GET /v1/stream (WebSocket)",
        "description": "The client sends a StreamStart (text), binary PCM and a ClientMessage (end); the server sends StreamMessages.",
        "oneOf": [
            {"$ref": "#/$defs/StreamStart"},
            {"$ref": "#/$defs/ClientMessage"},
            {"$ref": "#/$defs/StreamMessage"}
        ],
        "$defs": defs,
    });
    ok(serde_json::to_string_pretty(&schema), "the stream schema as text") + "\n"
}

/// The OpenAPI document of this API.
pub async fn openapi_json() -> Json<serde_json::Value> {
    Json(ok(serde_json::from_str(&document()), "the API document"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openapi/openapi.json` is what the code generates: run `cargo run -p server -- openapi`
    /// after changing the API.
    #[test]
    fn committed_document_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == document(), "{path} is stale: run `cargo run -p server -- openapi`");
    }

    /// `openapi/stream-messages.json` is what the code generates, and every message type is in it.
    #[test]
    fn committed_stream_schema_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/stream-messages.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == stream_schema(), "{path} is stale: run `cargo run -p server -- openapi`");
        let v: serde_json::Value = serde_json::from_str(&committed).unwrap();
        for name in ["StreamStart", "ClientMessage", "StreamMessage", "Recognition", "ErrorCode"] {
            assert!(v["$defs"].get(name).is_some(), "{name} missing");
        }
        assert!(!committed.contains("#/components/"), "refs point into $defs");
    }

    /// A client generated from the document knows every `error_type` the server can send.
    #[test]
    fn every_error_code_is_listed_in_the_document() {
        use strum::IntoEnumIterator;
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let listed = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().expect("ErrorCode's enum");
        for code in ErrorCode::iter() {
            assert!(listed.iter().any(|v| v == code.as_str()), "{} is not in openapi.json", code.as_str());
        }
        assert_eq!(listed.len(), ErrorCode::iter().count());
        assert_eq!(
            doc["components"]["schemas"]["ErrorBody"]["properties"]["error_type"]["$ref"],
            "#/components/schemas/ErrorCode"
        );
    }

    #[test]
    fn every_status_of_every_operation_has_an_example() {
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut checked = 0;
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    // Only the WebSocket upgrade answers without a body.
                    let Some(contents) = response["content"].as_object() else {
                        assert_eq!((path.as_str(), status.as_str()), ("/v1/stream", "101"), "{method} {path} {status}");
                        continue;
                    };
                    for (media, content) in contents {
                        let schema_example = content["schema"]["$ref"].as_str().and_then(|r| {
                            let name = r.rsplit('/').next()?;
                            doc["components"]["schemas"][name].get("example")
                        });
                        assert!(
                            content.get("example").is_some() || schema_example.is_some(),
                            "{method} {path} {status} {media} has no example"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 15, "only {checked} responses");
    }
}
