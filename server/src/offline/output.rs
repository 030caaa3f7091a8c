//! The answers of `server recognize`: JSON Lines or CSV, one record per file, in file order.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use shared::labels::LABELS;

use crate::config::OutputFormat;
use crate::error::{ErrorCode, ServerError};
use crate::recognizer::Recognition;

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

/// Writes records in the order of their index, whatever order they finish in.
pub struct Writer {
    out: Box<dyn Write + Send>,
    format: OutputFormat,
    next: usize,
    waiting: BTreeMap<usize, Vec<u8>>,
}

impl Writer {
    pub fn new(mut out: Box<dyn Write + Send>, format: OutputFormat) -> std::io::Result<Self> {
        if format == OutputFormat::Csv {
            writeln!(out, "path,labels,error,{}", LABELS.join(","))?;
        }
        Ok(Self { out, format, next: 0, waiting: BTreeMap::new() })
    }

    /// Records file `index`'s outcome; writes every record that is now next in order.
    pub fn put(&mut self, index: usize, path: &Path, outcome: &Outcome) -> std::io::Result<()> {
        let record = match self.format {
            OutputFormat::Jsonl => jsonl(path, outcome)?,
            OutputFormat::Csv => csv_row(path, outcome),
        };
        self.waiting.insert(index, record);
        while let Some(r) = self.waiting.remove(&self.next) {
            self.out.write_all(&r)?;
            self.next += 1;
        }
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        for r in std::mem::take(&mut self.waiting).into_values() {
            self.out.write_all(&r)?;
        }
        self.out.flush()
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
