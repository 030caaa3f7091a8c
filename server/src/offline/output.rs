//! The answers of `server recognize`: JSON Lines or CSV, one record per file, in file order.
//! Each record goes out whole, in one write followed by a flush, so a killed run leaves only
//! whole lines (`--resume` cuts a torn one that a power cut could leave); a file is also synced
//! to disk every `--sync-interval-s`.
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use shared::labels::LABELS;

use crate::config::OutputFormat;
use crate::error::{ErrorCode, ServerError};
use engine::recognizer::Recognition;

/// One file's answer, or its error.
pub enum Outcome {
    Recognised(Box<Recognition>),
    Failed(ServerError),
}

#[derive(Serialize)]
struct Line<'a> {
    path: &'a str,
    #[serde(flatten)]
    recognition: &'a Recognition,
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    path: &'a str,
    error: String,
    error_type: ErrorCode,
}

/// Where the records go.
pub enum Sink {
    Stdout,
    /// A file opened for appending, synced to disk at most `interval` apart (zero: every record).
    File {
        file: File,
        interval: Duration,
    },
}

/// Writes records in the order of their index, whatever order they finish in.
pub struct Writer {
    sink: Sink,
    format: OutputFormat,
    next: usize,
    waiting: BTreeMap<usize, Vec<u8>>,
    synced: Instant,
}

impl Writer {
    /// `header`: write the CSV header first (a new file or standard output; not a resumed file
    /// that has one).
    pub fn new(sink: Sink, format: OutputFormat, header: bool) -> std::io::Result<Self> {
        let mut w = Self { sink, format, next: 0, waiting: BTreeMap::new(), synced: Instant::now() };
        if format == OutputFormat::Csv && header {
            w.emit(format!("path,labels,error,{}\n", LABELS.join(",")).as_bytes())?;
        }
        Ok(w)
    }

    /// One record: one write, flushed; a file synced when its interval has passed.
    fn emit(&mut self, record: &[u8]) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(record)?;
                out.flush()
            }
            Sink::File { file, interval } => {
                file.write_all(record)?;
                if self.synced.elapsed() >= *interval {
                    file.sync_data()?;
                    self.synced = Instant::now();
                }
                Ok(())
            }
        }
    }

    /// Records file `index`'s outcome; writes every record that is now next in order.
    pub fn put(&mut self, index: usize, path: &Path, outcome: &Outcome) -> std::io::Result<()> {
        let record = match self.format {
            OutputFormat::Jsonl => jsonl(path, outcome)?,
            OutputFormat::Csv => csv_row(path, outcome),
        };
        self.waiting.insert(index, record);
        while let Some(r) = self.waiting.remove(&self.next) {
            self.emit(&r)?;
            self.next += 1;
        }
        Ok(())
    }

    /// Writes what still waits (after a stop, records past a file that never finished) and
    /// syncs a file to disk.
    pub fn finish(mut self) -> std::io::Result<()> {
        for r in std::mem::take(&mut self.waiting).into_values() {
            self.emit(&r)?;
        }
        match &self.sink {
            Sink::Stdout => Ok(()),
            Sink::File { file, .. } => file.sync_data(),
        }
    }
}

fn jsonl(path: &Path, outcome: &Outcome) -> std::io::Result<Vec<u8>> {
    let path = path.to_string_lossy();
    let mut v = match outcome {
        Outcome::Recognised(r) => serde_json::to_vec(&Line { path: &path, recognition: r }),
        // The operator's own files: the full message, internal or not.
        Outcome::Failed(e) => {
            serde_json::to_vec(&ErrorLine { path: &path, error: e.to_string(), error_type: e.code() })
        }
    }?;
    v.push(b'\n');
    Ok(v)
}

fn csv_row(path: &Path, outcome: &Outcome) -> Vec<u8> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let path = quote(&path.to_string_lossy());
    let row = match outcome {
        Outcome::Recognised(r) => {
            let score = |l: &str| r.instruments.iter().find(|i| i.label == l).map_or(0.0, |i| i.score);
            let scores: Vec<String> = LABELS.iter().map(|l| format!("{:.6}", score(l))).collect();
            format!("{path},{},,{}", r.labels.join(";"), scores.join(","))
        }
        Outcome::Failed(e) => format!("{path},,{},{}", quote(&e.to_string()), vec![""; LABELS.len()].join(",")),
    };
    (row + "\n").into_bytes()
}
