//! Where a request's time went, as response headers.
use std::time::Duration;

use axum::http::HeaderValue;
use axum::response::{IntoResponseParts, ResponseParts};

pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Where the request's time went, as `x-…-time` headers in milliseconds.
pub struct TimingHeaders {
    pub decode: Duration,
    pub queue: Duration,
    pub inference: Duration,
    pub total: Duration,
}

impl IntoResponseParts for TimingHeaders {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        for (name, d) in [
            ("x-decode-time", self.decode),
            ("x-queue-time", self.queue),
            ("x-inference-time", self.inference),
            ("x-total-time", self.total),
        ] {
            if let Ok(v) = HeaderValue::from_str(&ms(d)) {
                res.headers_mut().insert(name, v);
            }
        }
        Ok(res)
    }
}
