//! `server recognize`: the recognition core over files and folders, without HTTP. Each file is
//! streamed (decoded twice, for its peak and for its windows; see `shared::frontend::stream`),
//! its windows queued to the same batcher and model thread as the service's, so windows of
//! several files share batches and decoding overlaps inference; memory stays bounded whatever
//! the duration.
mod files;
mod output;
mod resume;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::{mpsc, Semaphore};

use crate::config::RecognizeArgs;
use engine::metrics::Metrics;
use engine::recognizer::file::FILE_IN_FLIGHT;
use engine::recognizer::{Options, Recognizer, Resolved};
use engine::Engine;
use output::{Outcome, Sink, Writer};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Every file has its answer line, and none is an error.
    AllOk,
    /// Every file has its line; some are errors.
    SomeFailed,
    /// A signal stopped the run before every file was done; `--resume` finishes it.
    Interrupted,
}

impl Finished {
    /// The process's exit status: 0, 1 (some files failed) or [`Finished::INTERRUPTED`].
    pub fn exit_code(self) -> u8 {
        match self {
            Finished::AllOk => 0,
            Finished::SomeFailed => 1,
            Finished::Interrupted => Self::INTERRUPTED,
        }
    }

    /// Exit status of a run stopped by SIGINT or SIGTERM (2 is a usage error).
    pub const INTERRUPTED: u8 = 3;
}

/// Tags every file. On SIGINT or SIGTERM no new file is started, the files in flight finish and
/// are written, and the run ends as [`Finished::Interrupted`]; a second signal exits at once
/// (every line written so far is whole).
pub fn run(args: &RecognizeArgs) -> anyhow::Result<Finished> {
    anyhow::ensure!(args.model.max_batch_size > 0, "--max-batch-size must be at least 1");
    anyhow::ensure!(
        args.sync_interval_s.is_finite() && args.sync_interval_s >= 0.0,
        "--sync-interval-s must be zero or positive"
    );
    let to_stdout = args.out.as_os_str() == "-";
    anyhow::ensure!(
        !(args.resume && to_stdout),
        "--resume needs --out FILE: the answers of the earlier run to continue"
    );
    let collected = files::collect(&args.paths)?;
    if args.list_skipped {
        for p in &collected.not_audio {
            eprintln!("not audio, passed over: {}", p.display());
        }
    }
    let mut files = collected.files;
    if let Some(shard) = args.shard {
        files.retain(|f| files::in_shard(f, shard));
    }
    let done = if args.resume { resume::read_done(&args.out, args.format)? } else { resume::Done::default() };
    if done.torn_bytes > 0 {
        tracing::warn!(bytes = done.torn_bytes, out = %args.out.display(), "cut a torn last record; its file is redone");
    }
    let listed = files.len();
    files.retain(|f| !done.paths.contains(f.to_string_lossy().as_ref()));
    let already = listed - files.len();
    let engine = Engine::start(&args.model)?;
    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let sink = if to_stdout {
        Sink::Stdout
    } else {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(args.resume)
            .truncate(!args.resume)
            .open(&args.out)
            .map_err(|e| anyhow::anyhow!("opening --out {}: {e}", args.out.display()))?;
        Sink::File { file, interval: Duration::from_secs_f64(args.sync_interval_s) }
    };
    let mut writer = Writer::new(sink, args.format, !done.has_header)?;
    let metrics = Metrics::new()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let recognizer = engine.recognizer(&args.model, jobs * FILE_IN_FLIGHT + 1, &metrics);
        let options = Options {
            aggregation: args.aggregation,
            threshold: args.threshold,
            timeline: args.timeline,
            segments: args.segments.then(Default::default),
        };
        let how = recognizer.resolve(&options)?;
        let bar = progress(files.len());
        let stop = Arc::new(AtomicBool::new(false));
        tokio::spawn(stop_on_signal(stop.clone(), bar.clone()));
        let started = Instant::now();
        let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Outcome, f64)>();
        let slots = Arc::new(Semaphore::new(jobs));
        let files = Arc::new(files);
        let feeder = {
            let (files, recognizer, how, stop) = (files.clone(), recognizer.clone(), how.clone(), stop.clone());
            tokio::spawn(async move {
                for (i, path) in files.iter().enumerate() {
                    let Ok(slot) = slots.clone().acquire_owned().await else { return };
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let (tx, recognizer, how, path) = (tx.clone(), recognizer.clone(), how.clone(), path.clone());
                    tokio::task::spawn_blocking(move || {
                        let (outcome, seconds) = tag(&recognizer, &path, &how);
                        let _ = tx.send((i, outcome, seconds));
                        drop(slot);
                    });
                }
            })
        };
        let (mut answered, mut failed, mut audio_seconds) = (0usize, 0usize, 0.0);
        while let Some((i, outcome, seconds)) = rx.recv().await {
            let path = files.get(i).ok_or_else(|| anyhow::anyhow!("file index {i} out of range: a bug"))?;
            if let Outcome::Failed(e) = &outcome {
                failed += 1;
                bar.suspend(|| tracing::warn!(path = %path.display(), error = %e, "file failed"));
            }
            writer.put(i, path, &outcome)?;
            answered += 1;
            audio_seconds += seconds;
            bar.inc(1);
            bar.set_message(format!("{:.0} audio-s/s", audio_seconds / started.elapsed().as_secs_f64().max(1e-9)));
        }
        feeder.await?;
        writer.finish()?;
        bar.finish();
        let elapsed = started.elapsed().as_secs_f64();
        let interrupted = answered < files.len();
        eprintln!(
            "{} files: {answered} answered ({failed} failed), {already} already answered in the output (--resume), {} not audio passed over{}; {audio_seconds:.1} s of audio in {elapsed:.1} s: {:.2} files/s, {:.1} audio-s/s",
            listed,
            collected.not_audio.len(),
            if collected.not_audio.is_empty() || args.list_skipped { "" } else { " (--list-skipped names them)" },
            answered as f64 / elapsed.max(1e-9),
            audio_seconds / elapsed.max(1e-9)
        );
        if interrupted {
            eprintln!(
                "stopped by a signal: {} files not done; run the same command with --resume to finish",
                files.len() - answered
            );
        }
        Ok(match (interrupted, failed) {
            (true, _) => Finished::Interrupted,
            (false, 0) => Finished::AllOk,
            (false, _) => Finished::SomeFailed,
        })
    })
}

/// The first signal stops the feeding of new files; a second exits at once.
async fn stop_on_signal(stop: Arc<AtomicBool>, bar: ProgressBar) {
    crate::shutdown::signal().await;
    stop.store(true, Ordering::Relaxed);
    bar.suspend(|| eprintln!("stopping: the files in flight finish; a second signal stops at once"));
    crate::shutdown::signal().await;
    bar.suspend(|| eprintln!("stopped at once: run the same command with --resume to finish"));
    std::process::exit(Finished::INTERRUPTED.into());
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
    match recognizer.recognize_file(path, how) {
        Ok((r, seconds)) => (Outcome::Recognised(Box::new(r)), seconds),
        Err(e) => (Outcome::Failed(e.into()), 0.0),
    }
}
