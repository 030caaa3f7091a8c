//! `server recognize`: the recognition core over files and folders, without HTTP. Each file is
//! streamed (decoded twice, for its peak and for its windows; see `shared::frontend::stream`),
//! its windows queued to the same batcher and model thread as the service's, so windows of
//! several files share batches and decoding overlaps inference; memory stays bounded whatever
//! the duration.
mod files;
mod output;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use shared::audio::DecodeOptions;
use shared::frontend::windows_of_file;
use tokio::sync::{mpsc, Semaphore};

use crate::config::RecognizeArgs;
use crate::engine::Engine;
use crate::error::ServerError;
use crate::metrics::Metrics;
use crate::recognizer::{report, Clip, Options, Pending, Recognizer, Resolved};
use output::{Outcome, Writer};

/// Windows per job sent to the batcher (32 s of audio).
const GROUP: usize = 64;
/// Jobs a file keeps in flight while it decodes on.
const IN_FLIGHT: usize = 4;

/// Tags every file; `Ok(false)` when any of them failed.
pub fn run(args: &RecognizeArgs) -> anyhow::Result<bool> {
    let mut files = files::collect(&args.paths)?;
    if let Some(shard) = args.shard {
        files.retain(|f| files::in_shard(f, shard));
    }
    anyhow::ensure!(args.model.max_batch_size > 0, "--max-batch-size must be at least 1");
    let engine = Engine::start(&args.model)?;
    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let out: Box<dyn std::io::Write + Send> = if args.out.as_os_str() == "-" {
        Box::new(std::io::BufWriter::new(std::io::stdout()))
    } else {
        Box::new(std::io::BufWriter::new(std::fs::File::create(&args.out)?))
    };
    let mut writer = Writer::new(out, args.format)?;
    let metrics = Metrics::new()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let recognizer = engine.recognizer(&args.model, jobs * IN_FLIGHT + 1, &metrics);
        let options = Options {
            aggregation: args.aggregation,
            threshold: args.threshold,
            timeline: args.timeline,
            segments: args.segments.then(Default::default),
        };
        let how = recognizer.resolve(&options)?;
        let bar = progress(files.len());
        let started = Instant::now();
        let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Outcome, f64)>();
        let slots = Arc::new(Semaphore::new(jobs));
        let files = Arc::new(files);
        let feeder = {
            let (files, recognizer, how) = (files.clone(), recognizer.clone(), how.clone());
            tokio::spawn(async move {
                for i in 0..files.len() {
                    let Ok(slot) = slots.clone().acquire_owned().await else { return };
                    let (tx, recognizer, how, files) = (tx.clone(), recognizer.clone(), how.clone(), files.clone());
                    tokio::task::spawn_blocking(move || {
                        let path = files.get(i).cloned().unwrap_or_default();
                        let (outcome, seconds) = tag(&recognizer, &path, &how);
                        let _ = tx.send((i, outcome, seconds));
                        drop(slot);
                    });
                }
            })
        };
        let (mut failed, mut audio_seconds) = (0usize, 0.0);
        while let Some((i, outcome, seconds)) = rx.recv().await {
            let path = files.get(i).map(PathBuf::as_path).unwrap_or(Path::new(""));
            if let Outcome::Failed(e) = &outcome {
                failed += 1;
                bar.suspend(|| tracing::warn!(path = %path.display(), error = %e, "file failed"));
            }
            writer.put(i, path, &outcome)?;
            audio_seconds += seconds;
            bar.inc(1);
            bar.set_message(format!("{:.0} audio-s/s", audio_seconds / started.elapsed().as_secs_f64().max(1e-9)));
        }
        feeder.await?;
        writer.finish()?;
        bar.finish();
        let elapsed = started.elapsed().as_secs_f64();
        eprintln!(
            "{} files ({failed} failed), {audio_seconds:.1} s of audio in {elapsed:.1} s: {:.2} files/s, {:.1} audio-s/s",
            files.len(),
            files.len() as f64 / elapsed.max(1e-9),
            audio_seconds / elapsed.max(1e-9)
        );
        Ok(failed == 0)
    })
}

fn progress(files: usize) -> ProgressBar {
    let bar = ProgressBar::new(files as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files, {per_sec}, {msg}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// One file, streamed through the model: its answer (or error) and its seconds of audio.
fn tag(recognizer: &Recognizer, path: &Path, how: &Resolved) -> (Outcome, f64) {
    match stream(recognizer, path, how) {
        Ok((r, seconds)) => (Outcome::Recognised(Box::new(r)), seconds),
        Err(e) => (Outcome::Failed(e), 0.0),
    }
}

fn stream(
    recognizer: &Recognizer,
    path: &Path,
    how: &Resolved,
) -> Result<(crate::recognizer::Recognition, f64), ServerError> {
    let m = recognizer.manifest();
    let per_window = m.window.frames * m.front_end.n_mels;
    let mut sigmoids = Vec::new();
    let mut group: Vec<f32> = Vec::with_capacity(GROUP * per_window);
    let mut pending: VecDeque<Pending> = VecDeque::new();
    // The model's failure, which stops the decode through the sink's error.
    let mut failure: Option<ServerError> = None;
    let send = |group: &mut Vec<f32>, pending: &mut VecDeque<Pending>, sigmoids: &mut Vec<f32>| {
        let n = group.len() / per_window.max(1);
        if n > 0 {
            pending.push_back(recognizer.submit(std::mem::take(group), n)?);
        }
        while pending.len() >= IN_FLIGHT {
            collect(pending.pop_front(), sigmoids)?;
        }
        Ok::<(), ServerError>(())
    };
    let analysed = windows_of_file(path, &m.front_end, m.window, &DecodeOptions::default(), &mut |w| {
        group.extend_from_slice(w);
        if group.len() >= GROUP * per_window {
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
    let (decoded, frames) = analysed?;
    send(&mut group, &mut pending, &mut sigmoids)?;
    while let Some(p) = pending.pop_front() {
        collect(Some(p), &mut sigmoids)?;
    }
    let clip = Clip { duration_seconds: decoded.duration_seconds(), sample_rate: decoded.source_sample_rate, frames };
    Ok((report(m, &clip, &sigmoids, how), clip.duration_seconds))
}

fn collect(p: Option<Pending>, sigmoids: &mut Vec<f32>) -> Result<(), ServerError> {
    if let Some(p) = p {
        sigmoids.extend(p.blocking_recv().map_err(|_| ServerError::ShuttingDown)??.sigmoids);
    }
    Ok(())
}
