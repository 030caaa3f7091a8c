//! The one error type of the server. Its HTTP status and `error_type` are decided in one place,
//! [`ServerError::status`] and [`ServerError::error_type`] (see http/error.rs for the body).
use std::path::PathBuf;

use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("--device cuda was requested but libtorch sees no CUDA device")]
    NoCuda,
    #[error("--precision bf16 was requested but {path} holds no bf16 export (make one with `trainer export --precision bf16 --out {path}`)")]
    NoBf16Model { path: PathBuf },
    #[error("model file {path} is missing: {source}")]
    ModelMissing { path: PathBuf, source: std::io::Error },
    #[error("model file {path} cannot be loaded by libtorch: {source}")]
    ModelLoad { path: PathBuf, source: tch::TchError },
    #[error("{path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("inference failed: {0}")]
    Inference(tch::TchError),
    #[error("inference failed: {0}")]
    InferenceFailed(String),
    #[error("the request body is empty: send the audio as the body or as multipart field `file`")]
    EmptyBody,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    BadParameter(String),
    #[error("missing or unknown API key: send `Authorization: Bearer <key>`")]
    Unauthorized,
    #[error("no route for {0}")]
    NotFound(String),
    #[error("method {0} is not allowed here")]
    MethodNotAllowed(String),
    #[error("the request took longer than the limit of {seconds} s")]
    Timeout { seconds: f64 },
    #[error("the body is larger than the limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error(transparent)]
    Audio(#[from] shared::Error),
    #[error("too many requests in progress; retry shortly")]
    Overloaded,
    #[error("the inference queue is full; retry shortly")]
    QueueFull,
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServerError {
    /// The HTTP status of an error answered to a client. 500 is only for faults of ours.
    pub fn status(&self) -> StatusCode {
        use shared::Error as A;
        match self {
            ServerError::EmptyBody | ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::BadParameter(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServerError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ServerError::Timeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ServerError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::Audio(a) => match a {
                A::TooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                A::UnknownFormat(_) | A::UnsupportedCodec(_) | A::NoAudioTrack => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                A::Empty
                | A::ZeroSampleRate
                | A::UnsupportedSampleRate { .. }
                | A::NoChannels
                | A::Corrupt(_)
                | A::Truncated(_)
                | A::NoSamples => StatusCode::BAD_REQUEST,
                A::Io(_) | A::InvalidParameters(_) | A::Resample(_) | A::Manifest(_) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            },
            ServerError::Overloaded => StatusCode::TOO_MANY_REQUESTS,
            ServerError::QueueFull | ServerError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable name.
    pub fn error_type(&self) -> &'static str {
        match self {
            ServerError::EmptyBody => "empty_body",
            ServerError::BadRequest(_) => "bad_request",
            ServerError::BadParameter(_) => "invalid_parameter",
            ServerError::Unauthorized => "unauthorized",
            ServerError::NotFound(_) => "not_found",
            ServerError::MethodNotAllowed(_) => "method_not_allowed",
            ServerError::Timeout { .. } => "timeout",
            ServerError::BodyTooLarge { .. } => "body_too_large",
            ServerError::Audio(a) => a.kind(),
            ServerError::Overloaded => "overloaded",
            ServerError::QueueFull => "queue_full",
            ServerError::ShuttingDown => "shutting_down",
            _ => "internal",
        }
    }

    /// Refusals decided before the request body is read. The connection cannot carry another
    /// request after them (the unread body is still on it), so their answers say
    /// `Connection: close` and a keep-alive client does not reuse it and fail.
    pub fn leaves_body_unread(&self) -> bool {
        matches!(
            self,
            ServerError::Unauthorized
                | ServerError::Overloaded
                | ServerError::BodyTooLarge { .. }
                | ServerError::Timeout { .. }
                | ServerError::NotFound(_)
                | ServerError::MethodNotAllowed(_)
                | ServerError::BadParameter(_)
        )
    }

    /// Seconds after which a refused request may be retried.
    pub fn retry_after(&self) -> Option<u32> {
        matches!(self, ServerError::Overloaded | ServerError::QueueFull | ServerError::ShuttingDown).then_some(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_faults_are_never_500() {
        let cases = [
            (ServerError::EmptyBody, 400),
            (ServerError::BadParameter("threshold".into()), 422),
            (ServerError::BodyTooLarge { limit: 1 }, 413),
            (ServerError::Audio(shared::Error::TooLong { limit_seconds: 1.0 }), 413),
            (ServerError::Audio(shared::Error::UnknownFormat("x".into())), 415),
            (ServerError::Audio(shared::Error::Truncated("x".into())), 400),
            (ServerError::Overloaded, 429),
            (ServerError::Unauthorized, 401),
            (ServerError::Timeout { seconds: 1.0 }, 408),
            (ServerError::QueueFull, 503),
        ];
        for (e, status) in cases {
            assert_eq!(e.status().as_u16(), status, "{e}");
        }
        assert_eq!(ServerError::Audio(shared::Error::Corrupt("x".into())).error_type(), "corrupt");
    }
}
