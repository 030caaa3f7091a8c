//! Optional API keys on `/v1/*`: `Authorization: Bearer KEY`. Keys are kept as SHA-256 digests and
//! compared in constant time, so neither the key's content nor its length leaks through timing;
//! they are never logged.
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use crate::error::ServerError;

/// The accepted keys; empty means the API is open.
#[derive(Default)]
pub struct ApiKeys(Vec<[u8; 32]>);

impl ApiKeys {
    pub fn new<S: AsRef<str>>(keys: &[S]) -> Self {
        Self(keys.iter().map(|k| k.as_ref().trim()).filter(|k| !k.is_empty()).map(digest).collect())
    }

    pub fn is_open(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `Authorization` carries one of the keys. Every key is compared, so the time does
    /// not depend on which one matched.
    pub fn allows(&self, authorization: Option<&str>) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(given) = authorization.and_then(|v| v.strip_prefix("Bearer ")) else {
            return false;
        };
        let given = digest(given.trim());
        self.0.iter().fold(subtle::Choice::from(0), |found, k| found | k.ct_eq(&given)).into()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Refuses a request to `/v1/*` without a valid key with 401.
pub async fn require_api_key(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Result<Response, ServerError> {
    let header = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    if state.api_keys.allows(header) {
        Ok(next.run(req).await)
    } else {
        // Read (not kept) so a client still sending its upload reads the 401, not a reset.
        let limit = state.max_body_bytes;
        super::recognize::upload::discard(req, limit).await;
        Err(ServerError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_keys_pass() {
        let keys = ApiKeys::new(&["alpha", " beta ", ""]);
        assert!(!keys.is_open());
        assert!(keys.allows(Some("Bearer alpha")));
        assert!(keys.allows(Some("Bearer beta")));
        assert!(!keys.allows(Some("Bearer gamma")));
        assert!(!keys.allows(Some("Bearer alph")));
        assert!(!keys.allows(Some("alpha")), "the Bearer scheme is required");
        assert!(!keys.allows(None));
        assert!(ApiKeys::new::<&str>(&[]).allows(None), "no keys: open");
        assert!(ApiKeys::new(&[""]).is_open(), "an empty key is no key");
    }
}
