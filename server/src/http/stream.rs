//! `GET /v1/stream`: live recognition over a WebSocket. The client opens with a JSON start
//! message, sends interleaved PCM as binary messages and `{"type": "end"}` when done; the server
//! answers each 1-s window as soon as it is whole, a running summary every few windows, and at
//! the end the answer `POST /v1/recognize` gives for the same samples
//! (`recognizer::live`). A stream holds one of the `--max-concurrent-requests` slots. Errors
//! close the socket with code 4000 + the HTTP status of the same error (`4413` for `too_long`),
//! after an `error` message with the full text and its `error_type`.
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shared::labels::LABELS;
use utoipa::ToSchema;

use super::AppState;
use crate::error::{ErrorCode, ServerError};
use engine::recognizer::live::{Completed, Live, LiveWindow, PcmSpec};
use engine::recognizer::{Options, Recognition};

/// Windows between two summaries (about 2 s of audio).
const SUMMARY_EVERY: usize = 4;
/// Largest message a client may send (a binary message of PCM).
const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// The longest close reason a WebSocket close frame carries.
const MAX_REASON_BYTES: usize = 123;

/// The first message of a stream (text, JSON).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"format": "pcm_s16le", "sample_rate": 44100, "channels": 2, "aggregation": "s2", "threshold": 0.5}))]
pub struct StreamStart {
    /// `pcm_f32le` or `pcm_s16le`: how the binary messages encode the samples, interleaved.
    pub format: String,
    /// Samples per second of each channel (1,000 to 768,000).
    pub sample_rate: u32,
    /// Interleaved channels (1 to 32), mixed down to mono as an upload's are.
    pub channels: u16,
    /// `s1` or `s2` (default: the model's).
    pub aggregation: Option<String>,
    /// One threshold in [0, 1] for every instrument (default: the model's).
    pub threshold: Option<f32>,
    /// Include `segments` in the summaries and the final answer.
    #[serde(default)]
    pub segments: bool,
    /// An API key, for clients that cannot send `Authorization` (browsers).
    pub api_key: Option<String>,
}

/// The client's other text message: `{"type": "end"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// No more audio: the server scores the last window and sends the final answer.
    End,
}

/// What the server sends (text, JSON), told apart by `type`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    /// The start message was accepted: send audio.
    Ready {
        model_id: String,
        /// Seconds of audio per window, and between window starts.
        window_seconds: f64,
        hop_seconds: f64,
        /// The instrument codes, in the order of every `sigmoids` array.
        #[schema(value_type = Vec<String>)]
        labels: Vec<&'static str>,
        /// The longest stream accepted, in seconds of audio.
        max_seconds: f64,
    },
    /// One window, as soon as its audio has arrived (normalised by the peak so far).
    Window {
        index: usize,
        start_seconds: f64,
        /// The 11 sigmoids, in the order of `ready.labels`.
        sigmoids: Vec<f32>,
        /// Codes whose sigmoid reaches its threshold.
        #[schema(value_type = Vec<String>)]
        labels: Vec<&'static str>,
    },
    /// The answer over the windows so far (provisional, as they are).
    Summary { seconds: f64, recognition: Recognition },
    /// After `end`: the whole stream normalised by its true peak, as `POST /v1/recognize`
    /// answers for the same samples. The server then closes with 1000.
    Final { recognition: Recognition },
    /// A window below the audible floor: not scored, no labels (nothing is heard in it).
    Silent { index: usize, start_seconds: f64, level_dbfs: f32 },
    /// Why the stream is closed; the close code is 4000 + `status`.
    Error { error: String, error_type: ErrorCode, status: u16 },
}

impl From<LiveWindow> for StreamMessage {
    fn from(w: LiveWindow) -> Self {
        match w.silent {
            true => StreamMessage::Silent { index: w.index, start_seconds: w.start_seconds, level_dbfs: w.level_dbfs },
            false => StreamMessage::Window {
                index: w.index,
                start_seconds: w.start_seconds,
                sigmoids: w.sigmoids,
                labels: w.labels,
            },
        }
    }
}

/// Open a live recognition stream (WebSocket).
///
/// Upgrade to a WebSocket, then send a `StreamStart` message (text), the audio as binary
/// messages of whole interleaved frames, and `{"type": "end"}`. The server sends
/// `StreamMessage`s: `ready`, a `window` per audible 1-s window (`silent` for one below the audible floor), a `summary` every 4 windows, and
/// `final` with the answer `POST /v1/recognize` gives for the same samples. Errors close the
/// socket with code 4000 + the HTTP status of the error (table in the README), after an `error`
/// message. The schemas of the messages are in `openapi/stream-messages.json`.
#[utoipa::path(
    get,
    path = "/v1/stream",
    tag = "recognition",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol; the messages are `StreamStart`, `ClientMessage` and `StreamMessage`."),
        (status = 400, description = "Not a WebSocket upgrade request.", body = String, content_type = "text/plain",
            example = "Connection header did not include 'upgrade'"),
    ),
    security((), ("api_key" = []))
)]
pub async fn stream(State(state): State<Arc<AppState>>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let authorised = !state.api_keys.is_open() && state.api_keys.allows(header);
    ws.max_message_size(MAX_MESSAGE_BYTES).on_upgrade(move |socket| serve(socket, state, authorised))
}

/// How a stream ended, for the metrics.
enum Ended {
    Done,
    ClientGone,
    Failed(ServerError),
}

async fn serve(mut socket: WebSocket, state: Arc<AppState>, authorised: bool) {
    let m = &state.metrics;
    m.streams_open.inc();
    let ended = match session(&mut socket, &state, authorised).await {
        Ok(()) => Ended::Done,
        Err(e) => e,
    };
    let reason = match ended {
        Ended::Done => "done",
        Ended::ClientGone => "client_gone",
        Ended::Failed(e) => {
            let code = e.code();
            tracing::info!(error = %e, "stream closed");
            let status = code.status().as_u16();
            let error = super::error::ErrorBody::of(&e).error;
            let close = CloseFrame { code: 4000 + status, reason: reason(&error).into() };
            let _ = send(&mut socket, &StreamMessage::Error { error, error_type: code, status }).await;
            let _ = socket.send(Message::Close(Some(close))).await;
            code.as_str()
        }
    };
    m.stream_closes.with_label_values(&[reason]).inc();
    m.streams_open.dec();
}

/// The close frame's reason: the error's text, cut to what a close frame holds.
fn reason(error: &str) -> String {
    let mut text = error.to_owned();
    if text.len() > MAX_REASON_BYTES {
        let mut end = MAX_REASON_BYTES - 3;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

async fn send(socket: &mut WebSocket, message: &StreamMessage) -> Result<(), Ended> {
    let text = serde_json::to_string(message).map_err(|e| Ended::Failed(ServerError::Internal(e.to_string())))?;
    socket.send(Message::Text(text.into())).await.map_err(|_| Ended::ClientGone)
}

/// The next message, or how the stream ends without one.
async fn next(socket: &mut WebSocket, idle: Duration) -> Result<Message, Ended> {
    match tokio::time::timeout(idle, socket.recv()).await {
        Err(_) => Err(Ended::Failed(ServerError::Timeout { seconds: idle.as_secs_f64() })),
        Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => Err(Ended::ClientGone),
        Ok(Some(Ok(m))) => Ok(m),
    }
}

async fn session(socket: &mut WebSocket, state: &Arc<AppState>, authorised: bool) -> Result<(), Ended> {
    let failed = |e: ServerError| Ended::Failed(e);
    let engine_failed = |e: engine::EngineError| Ended::Failed(e.into());
    let Ok(slot) = state.permits.clone().try_acquire_owned() else {
        return Err(failed(ServerError::Overloaded));
    };
    let limits = &state.streams;
    let start = loop {
        match next(socket, limits.idle_timeout).await? {
            Message::Text(t) => {
                break serde_json::from_str::<StreamStart>(t.as_str())
                    .map_err(|e| failed(ServerError::BadRequest(format!("the start message is not valid: {e}"))))?
            }
            Message::Binary(_) => {
                return Err(failed(ServerError::BadRequest(
                    "the first message must be the JSON start message, not audio".into(),
                )))
            }
            _ => continue,
        }
    };
    let key = start.api_key.as_deref().map(|k| format!("Bearer {k}"));
    if !authorised && !state.api_keys.allows(key.as_deref()) {
        return Err(failed(ServerError::Unauthorized));
    }
    let segments = start.segments.then(Default::default);
    let options =
        Options::parse(start.aggregation.as_deref(), start.threshold, false, segments).map_err(engine_failed)?;
    let how = state.recognizer.resolve(&options).map_err(engine_failed)?;
    let format = start.format.parse().map_err(|e| failed(ServerError::BadRequest(e)))?;
    let spec = PcmSpec { format, sample_rate: start.sample_rate, channels: start.channels };
    let mut live = Live::new(state.recognizer.clone(), spec, how, limits.max_seconds).map_err(engine_failed)?;
    let manifest = state.recognizer.manifest();
    let frame_seconds = manifest.front_end.frame_seconds();
    send(
        socket,
        &StreamMessage::Ready {
            model_id: manifest.model_id.clone(),
            window_seconds: manifest.window.frames as f64 * frame_seconds,
            hop_seconds: manifest.window.hop_frames as f64 * frame_seconds,
            labels: LABELS.to_vec(),
            max_seconds: limits.max_seconds,
        },
    )
    .await?;
    let mut first_audio: Option<Instant> = None;
    let mut summarised = 0;
    loop {
        if !state.ready.load(Ordering::Relaxed) {
            // Shutting down: answer what has arrived, as if the client had ended.
            break;
        }
        match next(socket, limits.idle_timeout).await? {
            Message::Binary(b) => {
                let arrived = Instant::now();
                let windows = live.push(&b).map_err(engine_failed)?;
                send_windows(socket, state, &mut live, windows, Some(arrived)).await?;
                if live.windows() >= summarised + SUMMARY_EVERY {
                    summarised = live.windows();
                    send(socket, &StreamMessage::Summary { seconds: live.seconds(), recognition: live.summary() })
                        .await?;
                }
                // Backpressure: a client ahead of real time by more than the lead waits, and
                // what it sends waits in its own socket buffers, not in ours.
                let since = first_audio.get_or_insert_with(Instant::now).elapsed().as_secs_f64();
                let ahead = live.seconds() - since - limits.max_lead.as_secs_f64();
                if ahead > 0.0 {
                    tokio::time::sleep(Duration::from_secs_f64(ahead)).await;
                }
            }
            Message::Text(t) => match serde_json::from_str::<ClientMessage>(t.as_str()) {
                Ok(ClientMessage::End) => break,
                Err(e) => {
                    return Err(failed(ServerError::BadRequest(format!(
                        "after the start message only audio (binary) and {{\"type\": \"end\"}} are accepted: {e}"
                    ))))
                }
            },
            _ => continue,
        }
    }
    let windows = live.end().map_err(engine_failed)?;
    send_windows(socket, state, &mut live, windows, None).await?;
    let seconds = live.seconds();
    let recognition = live.finish().await.map_err(engine_failed)?;
    // The work is done: the slot is free before the client reads the answer, so a client that
    // opens its next stream on reading it finds the slot.
    drop(slot);
    state.metrics.audio_seconds.inc_by(seconds);
    send(socket, &StreamMessage::Final { recognition }).await?;
    let going = if state.ready.load(Ordering::Relaxed) { 1000 } else { 1001 };
    let _ = socket.send(Message::Close(Some(CloseFrame { code: going, reason: "done".into() }))).await;
    Ok(())
}

/// Scores windows from [`Live::push`] or [`Live::end`] and sends a message for each; with the
/// arrival of the audio that completed them, their latency goes to the metrics.
async fn send_windows(
    socket: &mut WebSocket,
    state: &AppState,
    live: &mut Live,
    done: Completed,
    arrived: Option<Instant>,
) -> Result<(), Ended> {
    let scored = live.score(done).await.map_err(|e| Ended::Failed(e.into()))?;
    state.metrics.stream_windows.inc_by(scored.len() as u64);
    for w in scored {
        send(socket, &w.into()).await?;
        if let Some(arrived) = arrived {
            state.metrics.stream_window_latency.observe(arrived.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// The limits of streams (`--max-stream-seconds`, `--stream-idle-timeout-s`,
/// `--max-stream-lead-s`).
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    pub max_seconds: f64,
    pub idle_timeout: Duration,
    pub max_lead: Duration,
}
