//! A file on disk recognised with bounded memory, whatever its duration (`server recognize`).
use std::collections::VecDeque;
use std::path::Path;

use shared::audio::DecodeOptions;
use shared::frontend::windows_of_file;

use super::{report, Clip, Pending, Recognition, Recognizer, Resolved, WindowScores};
use crate::error::EngineError;

/// Windows per job sent to the batcher (32 s of audio).
pub const FILE_GROUP: usize = 64;
/// Jobs a file keeps in flight while it decodes on.
pub const FILE_IN_FLIGHT: usize = 4;

impl Recognizer {
    /// Recognises one audio file, streamed: decoded once for its peak and once more window by
    /// window into the batcher, [`FILE_IN_FLIGHT`] jobs of [`FILE_GROUP`] audible windows in flight, so
    /// memory stays bounded whatever the duration. Blocking (call off the async runtime). The
    /// answer, and the file's seconds of audio.
    pub fn recognize_file(&self, path: &Path, how: &Resolved) -> Result<(Recognition, f64), EngineError> {
        let m = self.manifest();
        let per_window = m.window.frames * m.front_end.n_mels;
        let mut sigmoids = Vec::new();
        // Every window's level; only audible windows go to the model.
        let mut levels = Vec::new();
        let mut group: Vec<f32> = Vec::with_capacity(FILE_GROUP * per_window);
        let mut pending: VecDeque<Pending> = VecDeque::new();
        // The model's failure, which stops the decode through the sink's error.
        let mut failure: Option<EngineError> = None;
        let send = |group: &mut Vec<f32>, pending: &mut VecDeque<Pending>, sigmoids: &mut Vec<f32>| {
            let n = group.len() / per_window.max(1);
            if n > 0 {
                pending.push_back(self.submit(std::mem::take(group), n)?);
            }
            while pending.len() >= FILE_IN_FLIGHT {
                collect(pending.pop_front(), sigmoids)?;
            }
            Ok::<(), EngineError>(())
        };
        let floor = how.audible_floor_dbfs;
        let analysed =
            windows_of_file(path, &m.front_end, m.window, &DecodeOptions::default(), floor, &mut |w, level| {
                levels.push(level);
                if !how.audible(level) {
                    return Ok(());
                }
                group.extend_from_slice(w);
                if group.len() >= FILE_GROUP * per_window {
                    if let Err(e) = send(&mut group, &mut pending, &mut sigmoids) {
                        failure = Some(e);
                        return Err(shared::Error::Stopped);
                    }
                }
                Ok(())
            });
        if let Some(e) = failure {
            return Err(e);
        }
        let streamed = analysed?;
        send(&mut group, &mut pending, &mut sigmoids)?;
        while let Some(p) = pending.pop_front() {
            collect(Some(p), &mut sigmoids)?;
        }
        let clip = Clip {
            duration_seconds: streamed.decoded.duration_seconds(),
            sample_rate: streamed.decoded.source_sample_rate,
            frames: streamed.frames,
            offset_seconds: streamed.span.start as f64 / f64::from(m.front_end.sample_rate),
            end_seconds: streamed.span.end as f64 / f64::from(m.front_end.sample_rate),
        };
        Ok((report(m, &clip, &WindowScores { levels, sigmoids }, how), clip.duration_seconds))
    }
}

fn collect(p: Option<Pending>, sigmoids: &mut Vec<f32>) -> Result<(), EngineError> {
    if let Some(p) = p {
        sigmoids.extend(p.blocking_recv().map_err(|_| EngineError::ModelStopped)??.sigmoids);
    }
    Ok(())
}
