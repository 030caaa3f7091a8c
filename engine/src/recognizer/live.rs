//! A live stream: interleaved PCM arriving in pieces, windows scored as soon as they are whole,
//! and at the end the answer `POST /v1/recognize` gives for the same samples.
//!
//! The front end normalises a clip by its peak, which a live stream knows only so far: the
//! windows scored while it plays are normalised by the peak of what has arrived when their
//! samples did (provisional), and [`Live::finish`] runs the whole signal again, normalised by
//! its true peak, through the same front end and model as an upload (exact). The signal is kept
//! at the analysis rate for that (88 kB a second), bounded by the stream's length limit.
use shared::audio::{Decoded, PcmFormat, PcmStream};
use shared::frontend::{audible_span, WindowStream};
use shared::labels::LABELS;

use super::{analyse_signal, report, Clip, Recognition, Recognizer, Resolved, WindowScores};
use crate::error::EngineError;

/// How a stream's audio arrives.
#[derive(Debug, Clone, Copy)]
pub struct PcmSpec {
    pub format: PcmFormat,
    pub sample_rate: u32,
    pub channels: u16,
}

/// One provisional window: its index, start, level and, when audible, sigmoids.
#[derive(Debug, Clone)]
pub struct LiveWindow {
    pub index: usize,
    pub start_seconds: f64,
    /// RMS level before normalisation, in dBFS.
    pub level_dbfs: f32,
    /// Below the audible floor: not scored (no sigmoids, no labels).
    pub silent: bool,
    pub sigmoids: Vec<f32>,
    /// Codes whose sigmoid reaches the label's threshold.
    pub labels: Vec<&'static str>,
}

/// Windows completed by a piece of audio (`levels.len() × frames × mels`, flattened) and the
/// level of each, to be scored by [`Live::score`].
#[derive(Debug, Default)]
pub struct Completed {
    pub windows: Vec<f32>,
    pub levels: Vec<f32>,
}

/// The state of one stream.
pub struct Live {
    recognizer: Recognizer,
    how: Resolved,
    spec: PcmSpec,
    /// Taken by [`Live::end`].
    pcm: Option<PcmStream>,
    source_frames: u64,
    max_seconds: f64,
    /// The mono signal at the analysis rate, for the exact answer.
    signal: Vec<f32>,
    peak: f32,
    /// Taken by [`Live::end`].
    live: Option<WindowStream>,
    /// The windows so far: levels, and the provisional sigmoids of the audible ones.
    scores: WindowScores,
    /// Samples before the first loud one (the audible span's start, as an upload is cut):
    /// counted until it arrives, not fed to the front end. `None` until then.
    lead: Option<usize>,
    skipped: usize,
}

impl Live {
    /// A stream of `spec` audio at most `max_seconds` long, answered as `how` says.
    pub fn new(recognizer: Recognizer, spec: PcmSpec, how: Resolved, max_seconds: f64) -> Result<Self, EngineError> {
        let m = recognizer.manifest();
        let pcm = PcmStream::new(spec.format, spec.sample_rate, spec.channels, m.front_end.sample_rate)?;
        let live = WindowStream::new(&m.front_end, m.window, 0.0)?;
        Ok(Self {
            recognizer,
            how,
            spec,
            pcm: Some(pcm),
            source_frames: 0,
            max_seconds,
            signal: Vec::new(),
            peak: 0.0,
            live: Some(live),
            scores: WindowScores::default(),
            lead: None,
            skipped: 0,
        })
    }

    /// Seconds of audio received.
    pub fn seconds(&self) -> f64 {
        self.source_frames as f64 / f64::from(self.spec.sample_rate)
    }

    /// Windows scored (or found silent) so far.
    pub fn windows(&self) -> usize {
        self.scores.levels.len()
    }

    fn ended() -> EngineError {
        EngineError::Internal("audio pushed to a live stream after its end: a bug".into())
    }

    /// Adds a piece of interleaved PCM; returns the windows it completed, to be scored by
    /// [`Live::score`].
    pub fn push(&mut self, bytes: &[u8]) -> Result<Completed, EngineError> {
        let pcm = self.pcm.as_mut().ok_or_else(Self::ended)?;
        let mut fresh = Vec::new();
        pcm.push(bytes, &mut fresh)?;
        self.source_frames = pcm.frames();
        if self.seconds() > self.max_seconds {
            return Err(shared::Error::TooLong { limit_seconds: self.max_seconds }.into());
        }
        self.windows_of(fresh, false)
    }

    /// Ends the audio: the last provisional windows (with the padding of the clip's end).
    pub fn end(&mut self) -> Result<Completed, EngineError> {
        let pcm = self.pcm.take().ok_or_else(Self::ended)?;
        let mut fresh = Vec::new();
        pcm.finish(&mut fresh)?;
        self.windows_of(fresh, true)
    }

    fn windows_of(&mut self, fresh: Vec<f32>, last: bool) -> Result<Completed, EngineError> {
        let stream = self.live.as_mut().ok_or_else(Self::ended)?;
        let peak = fresh.iter().filter(|v| v.is_finite()).fold(self.peak, |m, v| m.max(v.abs()));
        if peak > self.peak {
            self.peak = peak;
            stream.set_peak(peak);
        }
        let mut done = Completed::default();
        let mut emit = |w: &[f32], level| {
            done.windows.extend_from_slice(w);
            done.levels.push(level);
            Ok(())
        };
        // Nothing before the first loud sample goes in, as an upload is cut to its audible span
        // (the end is cut only by the exact answer; windows of a silent end are silent).
        let from = match self.lead {
            Some(_) => 0,
            None => match audible_span(&fresh, self.how.audible_floor_dbfs) {
                Some(span) => {
                    self.lead = Some(self.skipped + span.start);
                    span.start
                }
                None => {
                    self.skipped += fresh.len();
                    fresh.len()
                }
            },
        };
        stream.push(shared::invariant::slice(&fresh, from.., "the audible part of a piece"), &mut emit)?;
        if last {
            self.live.take().ok_or_else(Self::ended)?.finish(&mut emit)?;
        }
        self.signal.extend_from_slice(&fresh);
        Ok(done)
    }

    /// Scores the audible windows from [`Live::push`] or [`Live::end`]; returns every window
    /// as a message (a silent one without sigmoids).
    pub async fn score(&mut self, done: Completed) -> Result<Vec<LiveWindow>, EngineError> {
        if done.levels.is_empty() {
            return Ok(Vec::new());
        }
        let w = score_audible_patiently(&self.recognizer, done, &self.how).await?;
        let first = self.windows();
        let m = self.recognizer.manifest();
        let hop = m.window.hop_frames as f64 * m.front_end.frame_seconds();
        let offset = self.offset_seconds();
        let out = w
            .per_window(&self.how)
            .into_iter()
            .enumerate()
            .map(|(i, (level_dbfs, s))| {
                let silent = s.is_none();
                let s = s.unwrap_or(&[]);
                LiveWindow {
                    index: first + i,
                    start_seconds: offset + (first + i) as f64 * hop,
                    level_dbfs,
                    silent,
                    sigmoids: s.to_vec(),
                    labels: LABELS
                        .iter()
                        .enumerate()
                        .filter(|(l, _)| s.get(*l).is_some_and(|&v| v >= self.how.thresholds.for_label(*l)))
                        .map(|(_, &code)| code)
                        .collect(),
                }
            })
            .collect();
        self.scores.levels.extend_from_slice(&w.levels);
        self.scores.sigmoids.extend_from_slice(&w.sigmoids);
        Ok(out)
    }

    /// The answer over the provisional windows so far.
    pub fn summary(&self) -> Recognition {
        let m = self.recognizer.manifest();
        // The frames the scored windows span, so the timeline and segments line up with them.
        let frames = (self.windows().max(1) - 1) * m.window.hop_frames + m.window.frames;
        let clip = Clip {
            duration_seconds: self.seconds(),
            sample_rate: self.spec.sample_rate,
            frames,
            offset_seconds: self.offset_seconds(),
            end_seconds: self.seconds(),
        };
        report(m, &clip, &self.scores, &self.how)
    }

    /// Seconds before the first loud sample (all received so far while none has come).
    fn offset_seconds(&self) -> f64 {
        let rate = f64::from(self.recognizer.manifest().front_end.sample_rate);
        self.lead.unwrap_or(self.skipped) as f64 / rate
    }

    /// The exact answer: the whole signal normalised by its true peak through the front end and
    /// the model, as `POST /v1/recognize` computes it for the same samples.
    pub async fn finish(self) -> Result<Recognition, EngineError> {
        if self.pcm.is_some() {
            return Err(EngineError::Internal("Live::finish before Live::end: a bug".into()));
        }
        let (source_frames, rate) = (self.source_frames, self.spec.sample_rate);
        if source_frames == 0 {
            return Err(shared::Error::NoSamples.into());
        }
        let m = self.recognizer.manifest().clone();
        let decoded = Decoded {
            samples: self.signal,
            sample_rate: m.front_end.sample_rate,
            source_sample_rate: rate,
            source_channels: self.spec.channels.into(),
            source_frames,
        };
        let (fe, window) = (m.front_end.clone(), m.window);
        let floor = self.how.audible_floor_dbfs;
        let a = tokio::task::spawn_blocking(move || analyse_signal(decoded, &fe, &window, floor))
            .await
            .map_err(|e| EngineError::Internal(format!("analysis task: {e}")))??;
        let clip = a.clip();
        let done = Completed { windows: a.windows, levels: a.levels };
        let w = score_audible_patiently(&self.recognizer, done, &self.how).await?;
        Ok(report(&m, &clip, &w, &self.how))
    }
}

/// Longest a stream waits for room in a full batching queue before it gives up (`queue_full`).
const QUEUE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Scores the audible windows; a full queue is waited out (a stream is not read meanwhile,
/// which is its backpressure) instead of ending a stream that is minutes long.
async fn score_audible_patiently(
    recognizer: &Recognizer,
    done: Completed,
    how: &Resolved,
) -> Result<WindowScores, EngineError> {
    let since = std::time::Instant::now();
    loop {
        match recognizer.score_audible(done.windows.clone(), done.levels.clone(), how).await {
            Err(EngineError::QueueFull) if since.elapsed() < QUEUE_PATIENCE => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => return other.map(|(w, _, _)| w),
        }
    }
}
