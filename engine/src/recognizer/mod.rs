//! The recognition core: audio → windows → the batcher (and so the model thread) → aggregation,
//! thresholds, sorting, timeline and segments → [`Recognition`]. `POST /v1/recognize`, the live
//! stream and the offline `server recognize` all run it; none scores anything itself.
mod analyse;
pub mod file;
pub mod live;
mod report;
mod types;

pub use analyse::{analyse, analyse_signal, Analysed};
pub use report::{report, Clip, WindowScores};
pub use types::{Instrument, Recognition, TimelineWindow};

use std::time::{Duration, Instant};

use bytes::Bytes;
use shared::aggregate::{Aggregation, Thresholds};
use shared::frontend::is_audible;
use shared::manifest::Manifest;
use shared::segments::SegmentParams;
use tokio::sync::{oneshot, watch};

use crate::error::EngineError;
use crate::infer::{Batcher, Job, Scored};
use crate::metrics::Metrics;
use crate::runtime::Runtime;

/// The answer to [`Recognizer::submit`].
pub type Pending = oneshot::Receiver<Result<Scored, EngineError>>;

/// What a caller asks for; `None` takes the model's default.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub aggregation: Option<Aggregation>,
    /// A global threshold in [0, 1] (default: the manifest's, per label where it has them).
    pub threshold: Option<f32>,
    pub timeline: bool,
    /// Time ranges per present instrument, with this smoothing.
    pub segments: Option<SegmentParams>,
}

impl Options {
    /// Options as a client writes them: `aggregation` by name (`s1`, `s2`).
    pub fn parse(
        aggregation: Option<&str>,
        threshold: Option<f32>,
        timeline: bool,
        segments: Option<SegmentParams>,
    ) -> Result<Self, EngineError> {
        let aggregation = aggregation.map(str::parse::<Aggregation>).transpose().map_err(EngineError::BadParameter)?;
        Ok(Self { aggregation, threshold, timeline, segments })
    }
}

/// [`Options`] checked against the model: what [`report`] applies.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub aggregation: Aggregation,
    pub thresholds: Thresholds,
    pub timeline: bool,
    pub segments: Option<SegmentParams>,
    /// Windows quieter than this (RMS before normalisation, dBFS) are silent.
    pub audible_floor_dbfs: f32,
    /// The evidence a label needs besides its score ([`shared::aggregate::present`]).
    pub evidence_floor: f32,
}

impl Resolved {
    /// Whether a window of level `dbfs` is scored.
    pub fn audible(&self, dbfs: f32) -> bool {
        is_audible(dbfs, self.audible_floor_dbfs)
    }
}

/// Where a recognition's time went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// Decoding and the front end.
    pub decode: Duration,
    /// From entering the batching queue to the batch starting on the model.
    pub queue: Duration,
    /// Model time of the batch(es).
    pub inference: Duration,
}

/// The served model's manifest, where it runs, whether its thread lives, and the way to its
/// batching queue.
#[derive(Clone)]
pub struct Recognizer {
    manifest: Manifest,
    audible_floor_dbfs: f32,
    batcher: Batcher,
    metrics: Metrics,
    runtime: Runtime,
    alive: watch::Receiver<bool>,
}

impl Recognizer {
    pub fn new(
        manifest: Manifest,
        audible_floor_dbfs: f32,
        batcher: Batcher,
        metrics: Metrics,
        runtime: Runtime,
        alive: watch::Receiver<bool>,
    ) -> Self {
        Self { manifest, audible_floor_dbfs, batcher, metrics, runtime, alive }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Where and how the model runs.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// True while the model thread runs (readiness follows it; a server stops when it ends).
    pub fn alive(&self) -> watch::Receiver<bool> {
        self.alive.clone()
    }

    /// The metrics the core records into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Checks the options against the model, before any audio is read.
    pub fn resolve(&self, o: &Options) -> Result<Resolved, EngineError> {
        if let Some(p) = &o.segments {
            p.check().map_err(EngineError::BadParameter)?;
        }
        Ok(Resolved {
            aggregation: o.aggregation.unwrap_or(self.manifest.aggregation),
            thresholds: self.manifest.thresholds(o.threshold).map_err(EngineError::BadParameter)?,
            timeline: o.timeline,
            segments: o.segments,
            audible_floor_dbfs: self.audible_floor_dbfs,
            evidence_floor: self.manifest.evidence_floor.unwrap_or(0.0),
        })
    }

    /// Recognises the instruments of one audio file held in memory, at most `max_seconds` long.
    pub async fn recognize(
        &self,
        audio: Bytes,
        mime: Option<String>,
        max_seconds: f64,
        how: &Resolved,
    ) -> Result<(Recognition, Timing), EngineError> {
        let started = Instant::now();
        let (fe, window, floor) = (self.manifest.front_end.clone(), self.manifest.window, how.audible_floor_dbfs);
        let analysed = tokio::task::spawn_blocking(move || analyse(audio, mime, &fe, &window, max_seconds, floor))
            .await
            .map_err(|e| EngineError::Internal(format!("analysis task: {e}")))?;
        let a = analysed.inspect_err(|e| self.metrics.decode_failures.with_label_values(&[e.kind()]).inc())?;
        let decode = started.elapsed();
        tracing::info!(
            duration_s = a.duration_seconds,
            windows = a.n,
            decode_ms = decode.as_secs_f64() * 1e3,
            "audio analysed"
        );
        let clip = a.clip();
        let (w, queue, inference) = self.score_audible(a.windows, a.levels, how).await?;
        self.metrics.audio_seconds.inc_by(a.duration_seconds);
        let timing = Timing { decode, queue, inference };
        Ok((report(&self.manifest, &clip, &w, how), timing))
    }

    /// Scores the audible ones of `windows` (`levels.len() × frames × mels`, flattened); a
    /// recording with none costs no model time. Also the time in the queue and on the model.
    pub async fn score_audible(
        &self,
        windows: Vec<f32>,
        levels: Vec<f32>,
        how: &Resolved,
    ) -> Result<(WindowScores, Duration, Duration), EngineError> {
        let audible: Vec<bool> = levels.iter().map(|&l| how.audible(l)).collect();
        let heard = audible.iter().filter(|&&a| a).count();
        let scored = match heard {
            0 => Scored { sigmoids: Vec::new(), queue_time: Duration::ZERO, inference_time: Duration::ZERO },
            n if n == audible.len() => self.score(windows, n).await?,
            n => {
                let size = windows.len() / audible.len().max(1);
                let kept: Vec<f32> = windows
                    .chunks(size.max(1))
                    .zip(&audible)
                    .filter(|(_, &a)| a)
                    .flat_map(|(w, _)| w.iter().copied())
                    .collect();
                self.score(kept, n).await?
            }
        };
        let Scored { sigmoids, queue_time, inference_time } = scored;
        Ok((WindowScores { levels, sigmoids }, queue_time, inference_time))
    }

    /// Runs `n` windows (`n × frames × mels`, flattened) through the batcher and the model.
    pub async fn score(&self, windows: Vec<f32>, n: usize) -> Result<Scored, EngineError> {
        self.submit(windows, n)?.await.map_err(|_| EngineError::ModelStopped)?
    }

    /// Queues `n` windows for the model without waiting: the answer comes on the receiver
    /// (a streaming caller keeps a few in flight while it decodes on).
    pub fn submit(&self, windows: Vec<f32>, n: usize) -> Result<Pending, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.batcher.submit(Job { windows, n, reply, span: tracing::Span::current() })?;
        Ok(answer)
    }
}
