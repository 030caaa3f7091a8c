//! The server's error: [`ServerError`], what a request can meet, the engine's errors included.
//! Its HTTP status and `error_type` come from one exhaustive match each ([`ServerError::code`],
//! [`ErrorCode::status`]), the engine's variants too; no catch-all, so a new variant cannot
//! silently become a 500. http/error.rs writes the body.
use axum::http::StatusCode;
use engine::EngineError;
use serde::Serialize;

/// What a request can meet. Client faults are 4xx; 5xx only for faults of ours or for a full
/// or closing server.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ServerErrorKind), derive(strum::EnumIter))]
pub enum ServerError {
    #[error("the request body is empty: send the audio as the body or as multipart field `file`")]
    EmptyBody,
    #[error("{0}")]
    BadRequest(String),
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
    #[error("too many requests in progress; retry shortly")]
    Overloaded,
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("too many connections open (the limit is {limit}); retry shortly")]
    TooManyConnections { limit: usize },
    /// What the recognition core met: the audio, the options, the queue, the model.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Any other fault of ours (for the log only).
    #[error("{0}")]
    Internal(String),
}

impl From<shared::Error> for ServerError {
    fn from(e: shared::Error) -> Self {
        ServerError::Engine(EngineError::Audio(e))
    }
}

/// The stable, machine-readable `error_type` of an error answer: one line per code, its status
/// in [`ErrorCode::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request has no body.
    EmptyBody,
    /// 400: a malformed multipart body, or one without field `file`.
    BadRequest,
    /// 422: a query parameter out of range or unparsable.
    InvalidParameter,
    /// 401: API keys are configured and none valid was sent.
    Unauthorized,
    /// 404: no such route.
    NotFound,
    /// 405: the route exists for another method.
    MethodNotAllowed,
    /// 408: the request (upload included) took longer than `--request-timeout-s`.
    Timeout,
    /// 413: the body is over `--max-body-bytes`.
    BodyTooLarge,
    /// 400: the audio has 0 bytes.
    Empty,
    /// 415: not a container or codec this server decodes.
    UnknownFormat,
    /// 415: a known container with a codec this server does not decode.
    UnsupportedCodec,
    /// 415: a container without an audio track.
    NoAudioTrack,
    /// 400: the track declares 0 Hz.
    ZeroSampleRate,
    /// 400: a sample rate outside what is accepted.
    UnsupportedSampleRate,
    /// 400: the track declares no channels.
    NoChannels,
    /// 400: the audio stream is corrupt.
    Corrupt,
    /// 400: the audio stream ends early.
    Truncated,
    /// 400: the track holds no samples.
    NoSamples,
    /// 413: the decoded audio is over `--max-audio-seconds`.
    TooLong,
    /// 429: `--max-concurrent-requests` are in progress; retry after `Retry-After`.
    Overloaded,
    /// 503: the inference queue (`--queue-length`) is full; retry after `Retry-After`.
    QueueFull,
    /// 503: the server is shutting down; retry on another replica.
    ShuttingDown,
    /// 503: `--max-connections` are open; the connection is closed; retry after `Retry-After`.
    TooManyConnections,
    /// 500: a fault of the server; the body carries the request id, the log the detail.
    Internal,
}

impl ErrorCode {
    /// The HTTP status of the code.
    pub fn status(self) -> StatusCode {
        use ErrorCode as C;
        match self {
            C::EmptyBody
            | C::BadRequest
            | C::Empty
            | C::ZeroSampleRate
            | C::UnsupportedSampleRate
            | C::NoChannels
            | C::Corrupt
            | C::Truncated
            | C::NoSamples => StatusCode::BAD_REQUEST,
            C::Unauthorized => StatusCode::UNAUTHORIZED,
            C::NotFound => StatusCode::NOT_FOUND,
            C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            C::Timeout => StatusCode::REQUEST_TIMEOUT,
            C::BodyTooLarge | C::TooLong => StatusCode::PAYLOAD_TOO_LARGE,
            C::UnknownFormat | C::UnsupportedCodec | C::NoAudioTrack => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            C::InvalidParameter => StatusCode::UNPROCESSABLE_ENTITY,
            C::Overloaded => StatusCode::TOO_MANY_REQUESTS,
            C::QueueFull | C::ShuttingDown | C::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
            C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as it appears in `error_type` and in metrics labels.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl ServerError {
    /// The `error_type` of this error.
    pub fn code(&self) -> ErrorCode {
        use shared::Error as A;
        use EngineError as E;
        use ErrorCode as C;
        match self {
            ServerError::EmptyBody => C::EmptyBody,
            ServerError::BadRequest(_) => C::BadRequest,
            ServerError::Unauthorized => C::Unauthorized,
            ServerError::NotFound(_) => C::NotFound,
            ServerError::MethodNotAllowed(_) => C::MethodNotAllowed,
            ServerError::Timeout { .. } => C::Timeout,
            ServerError::BodyTooLarge { .. } => C::BodyTooLarge,
            ServerError::Overloaded => C::Overloaded,
            ServerError::ShuttingDown => C::ShuttingDown,
            ServerError::TooManyConnections { .. } => C::TooManyConnections,
            ServerError::Internal(_) => C::Internal,
            ServerError::Engine(e) => match e {
                E::Audio(a) => match a {
                    A::Empty => C::Empty,
                    A::UnknownFormat(_) => C::UnknownFormat,
                    A::UnsupportedCodec(_) => C::UnsupportedCodec,
                    A::NoAudioTrack => C::NoAudioTrack,
                    A::ZeroSampleRate => C::ZeroSampleRate,
                    A::UnsupportedSampleRate { .. } => C::UnsupportedSampleRate,
                    A::NoChannels => C::NoChannels,
                    A::Corrupt(_) => C::Corrupt,
                    A::Truncated(_) => C::Truncated,
                    A::NoSamples => C::NoSamples,
                    A::TooLong { .. } => C::TooLong,
                    // Reading an in-memory upload, the front end's parameters and the resampler
                    // are ours, not the client's; so is a stream we stopped.
                    A::Io(_) | A::InvalidParameters(_) | A::Resample(_) | A::Stopped => C::Internal,
                },
                E::BadParameter(_) => C::InvalidParameter,
                E::QueueFull => C::QueueFull,
                // The model thread has stopped: this replica cannot answer; another can.
                E::ModelStopped => C::ShuttingDown,
                E::Inference(_) | E::Internal(_) => C::Internal,
                // Startup faults stop the process before it serves; met here, they are ours.
                E::NoCuda
                | E::NoBf16Model { .. }
                | E::NoInt8Model { .. }
                | E::Int8OnGpu
                | E::ModelDir(_)
                | E::ModelLoad { .. }
                | E::WarmUp(_) => C::Internal,
            },
        }
    }

    /// A query parameter out of range or unparsable (422).
    pub fn bad_parameter(message: impl Into<String>) -> Self {
        ServerError::Engine(EngineError::BadParameter(message.into()))
    }

    /// The HTTP status of an error answered to a client.
    pub fn status(&self) -> StatusCode {
        self.code().status()
    }

    /// Refusals decided before the request body is read. Where the handler sees the request it
    /// reads the body before answering (not kept, and only up to a bound), but a body past that
    /// bound, or one refused before a handler runs, is still on the connection, which then cannot
    /// carry another request: their answers say `Connection: close` and a keep-alive client does
    /// not reuse it and fail.
    pub fn leaves_body_unread(&self) -> bool {
        matches!(
            self,
            ServerError::Unauthorized
                | ServerError::Overloaded
                | ServerError::BodyTooLarge { .. }
                | ServerError::Timeout { .. }
                | ServerError::NotFound(_)
                | ServerError::MethodNotAllowed(_)
                | ServerError::Engine(EngineError::BadParameter(_))
                | ServerError::ShuttingDown
                | ServerError::TooManyConnections { .. }
        )
    }

    /// Seconds after which a refused request may be retried.
    pub fn retry_after(&self) -> Option<u32> {
        matches!(
            self,
            ServerError::Overloaded
                | ServerError::Engine(EngineError::QueueFull | EngineError::ModelStopped)
                | ServerError::ShuttingDown
                | ServerError::TooManyConnections { .. }
        )
        .then_some(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::error::EngineErrorKind;
    use strum::IntoEnumIterator;

    /// One error of each kind with the status a client must see. The match has no catch-all:
    /// a new variant does not compile until it is given its status here.
    fn example(kind: ServerErrorKind) -> Vec<(ServerError, u16)> {
        use ServerErrorKind as K;
        match kind {
            K::EmptyBody => vec![(ServerError::EmptyBody, 400)],
            K::BadRequest => vec![(ServerError::BadRequest("no field `file`".into()), 400)],
            K::Unauthorized => vec![(ServerError::Unauthorized, 401)],
            K::NotFound => vec![(ServerError::NotFound("/x".into()), 404)],
            K::MethodNotAllowed => vec![(ServerError::MethodNotAllowed("PUT".into()), 405)],
            K::Timeout => vec![(ServerError::Timeout { seconds: 1.0 }, 408)],
            K::BodyTooLarge => vec![(ServerError::BodyTooLarge { limit: 1 }, 413)],
            K::Overloaded => vec![(ServerError::Overloaded, 429)],
            K::ShuttingDown => vec![(ServerError::ShuttingDown, 503)],
            K::TooManyConnections => vec![(ServerError::TooManyConnections { limit: 2 }, 503)],
            K::Internal => vec![(ServerError::Internal("a fault".into()), 500)],
            K::Engine => EngineErrorKind::iter().flat_map(engine_examples).collect(),
        }
    }

    /// Each engine error with the status a client must see (no catch-all either).
    fn engine_examples(kind: EngineErrorKind) -> Vec<(ServerError, u16)> {
        use shared::Error as A;
        use EngineErrorKind as K;
        let e = |e: EngineError, status: u16| vec![(ServerError::Engine(e), status)];
        match kind {
            K::Audio => audio_examples()
                .into_iter()
                .map(|a| {
                    let status = match &a {
                        A::TooLong { .. } => 413,
                        A::UnknownFormat(_) | A::UnsupportedCodec(_) | A::NoAudioTrack => 415,
                        A::Empty
                        | A::ZeroSampleRate
                        | A::UnsupportedSampleRate { .. }
                        | A::NoChannels
                        | A::Corrupt(_)
                        | A::Truncated(_)
                        | A::NoSamples => 400,
                        A::Io(_) | A::InvalidParameters(_) | A::Resample(_) | A::Stopped => 500,
                    };
                    (ServerError::from(a), status)
                })
                .collect(),
            K::BadParameter => e(EngineError::BadParameter("threshold".into()), 422),
            K::QueueFull => e(EngineError::QueueFull, 503),
            K::ModelStopped => e(EngineError::ModelStopped, 503),
            K::Inference => e(EngineError::Inference("libtorch".into()), 500),
            K::Internal => e(EngineError::Internal("a fault".into()), 500),
            K::NoCuda => e(EngineError::NoCuda, 500),
            K::NoBf16Model => e(EngineError::NoBf16Model { path: "m".into() }, 500),
            K::NoInt8Model => e(EngineError::NoInt8Model { path: "m".into() }, 500),
            K::Int8OnGpu => e(EngineError::Int8OnGpu, 500),
            K::ModelDir => e(EngineError::ModelDir(shared::ModelDirError::Manifest("x".into())), 500),
            K::ModelLoad => {
                e(EngineError::ModelLoad { path: "m".into(), source: tch::TchError::FileFormat("x".into()) }, 500)
            }
            K::WarmUp => e(EngineError::WarmUp("x".into()), 500),
        }
    }

    /// Every variant of the audio error (the match in `example` says its status).
    fn audio_examples() -> Vec<shared::Error> {
        use shared::Error as A;
        vec![
            A::Empty,
            A::UnknownFormat("x".into()),
            A::UnsupportedCodec("x".into()),
            A::NoAudioTrack,
            A::ZeroSampleRate,
            A::UnsupportedSampleRate { rate: 1, min: 2, max: 3 },
            A::NoChannels,
            A::Corrupt("x".into()),
            A::Truncated("x".into()),
            A::NoSamples,
            A::TooLong { limit_seconds: 1.0 },
            A::Io(std::io::Error::other("x")),
            A::InvalidParameters("x".into()),
            A::Resample("x".into()),
            A::Stopped,
        ]
    }

    #[test]
    fn every_variant_has_its_status_and_no_client_fault_is_5xx() {
        let mut audio_kinds = std::collections::BTreeSet::new();
        for kind in ServerErrorKind::iter() {
            for (e, status) in example(kind) {
                assert_eq!(ServerErrorKind::from(&e), kind);
                assert_eq!(e.status().as_u16(), status, "{e}");
                assert_eq!(e.status(), e.code().status());
                if let ServerError::Engine(EngineError::Audio(a)) = &e {
                    audio_kinds.insert(a.kind());
                }
                // 5xx only for our faults (internal) and a full or closing server.
                if e.status().is_server_error() {
                    assert!(matches!(
                        e.code(),
                        ErrorCode::Internal
                            | ErrorCode::QueueFull
                            | ErrorCode::ShuttingDown
                            | ErrorCode::TooManyConnections
                    ));
                }
            }
        }
        assert_eq!(audio_kinds.len(), audio_examples().len(), "audio examples repeat a kind");
    }

    #[test]
    fn codes_serialise_as_their_names() {
        for code in ErrorCode::iter() {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        assert_eq!(ErrorCode::InvalidParameter.as_str(), "invalid_parameter");
    }
}
