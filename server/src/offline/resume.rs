//! `--resume`: what an earlier, interrupted run already wrote to `--out`. Every whole line (a
//! result or an error) marks its path done; a torn last line (no newline, or one that does not
//! parse) is cut off so it is redone and the file stays a sequence of whole records.
use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Read;
use std::path::Path;

use crate::config::OutputFormat;

/// The answers already in an output file.
#[derive(Debug, Default)]
pub struct Done {
    /// Paths with a whole answer line, as they are written (`Path::to_string_lossy`).
    pub paths: HashSet<String>,
    /// Bytes of a torn last record that were cut off.
    pub torn_bytes: u64,
    /// Whether the file already holds the CSV header (a fresh or empty file does not).
    pub has_header: bool,
}

/// Reads `out` (absent: nothing done yet), truncating it after its last whole record.
pub fn read_done(out: &Path, format: OutputFormat) -> std::io::Result<Done> {
    let mut file = match OpenOptions::new().read(true).write(true).open(out) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Done::default()),
        Err(e) => return Err(e),
    };
    let mut text = Vec::new();
    file.read_to_end(&mut text)?;
    let (done, keep) = match format {
        OutputFormat::Jsonl => jsonl_done(&text),
        OutputFormat::Csv => csv_done(&text),
    };
    let torn_bytes = (text.len() - keep) as u64;
    if torn_bytes > 0 {
        file.set_len(keep as u64)?;
        file.sync_data()?;
    }
    Ok(Done { torn_bytes, ..done })
}

/// The paths of whole JSON lines, and the byte length of the whole lines before a torn one.
fn jsonl_done(text: &[u8]) -> (Done, usize) {
    let mut done = Done::default();
    let mut keep = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let Some(body) = line.strip_suffix(b"\n") else { break };
        let path = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("path").and_then(|p| p.as_str()).map(str::to_owned));
        let Some(path) = path else { break };
        done.paths.insert(path);
        keep += line.len();
    }
    (done, keep)
}

/// The same for CSV: the header, then records of 14 fields each ending in a newline.
fn csv_done(text: &[u8]) -> (Done, usize) {
    let mut done = Done::default();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
    let mut keep = 0;
    let mut record = csv::ByteRecord::new();
    let fields = 3 + shared::labels::LABELS.len();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let end = reader.position().byte() as usize;
        // A record is whole when it has every field and its newline was written.
        let whole = record.len() == fields && end > 0 && text.get(end - 1) == Some(&b'\n');
        if !whole {
            break;
        }
        let first = record.get(0).map(|p| String::from_utf8_lossy(p).into_owned());
        if !done.has_header {
            if first.as_deref() != Some("path") {
                break;
            }
            done.has_header = true;
        } else if let Some(path) = first {
            done.paths.insert(path);
        }
        keep = end;
    }
    (done, keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, content: &[u8]) -> std::path::PathBuf {
        let p = test_support::scratch_dir(&format!("resume-{name}"));
        std::fs::write(&p, content).unwrap();
        p
    }

    #[test]
    fn whole_json_lines_are_done_and_a_torn_one_is_cut() {
        let whole = "{\"path\":\"a.wav\",\"labels\":[]}\n{\"path\":\"b.wav\",\"error\":\"x\"}\n";
        let p = temp("torn.jsonl", format!("{whole}{{\"path\":\"c.wa").as_bytes());
        let done = read_done(&p, OutputFormat::Jsonl).unwrap();
        assert_eq!(done.paths, HashSet::from(["a.wav".to_string(), "b.wav".to_string()]));
        assert_eq!(done.torn_bytes, "{\"path\":\"c.wa".len() as u64);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), whole);
        // A whole line that is not a record (garbage from a crash) ends the whole part too.
        std::fs::write(&p, format!("{whole}\0\0\0\n{{\"path\":\"d.wav\"}}\n")).unwrap();
        let done = read_done(&p, OutputFormat::Jsonl).unwrap();
        assert_eq!(done.paths.len(), 2);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), whole);
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn csv_rows_are_done_after_the_header_and_a_short_row_is_cut() {
        let header = format!("path,labels,error,{}\n", shared::labels::LABELS.join(","));
        let row = |p: &str| format!("\"{p}\",pia,,{}\n", ["0.5"; 11].join(","));
        let whole = format!("{header}{}{}", row("a, b.wav"), row("c\"d.wav").replace("c\"d", "c\"\"d"));
        let p = temp("torn.csv", format!("{whole}\"e.wav\",pia,,0.1,0.2").as_bytes());
        let done = read_done(&p, OutputFormat::Csv).unwrap();
        assert!(done.has_header);
        assert_eq!(done.paths, HashSet::from(["a, b.wav".to_string(), "c\"d.wav".to_string()]));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), whole);
        // The last row whole but for its newline: redone too.
        std::fs::write(&p, format!("{whole}{}", row("e.wav").trim_end())).unwrap();
        assert_eq!(read_done(&p, OutputFormat::Csv).unwrap().paths.len(), 2);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), whole);
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn a_missing_or_empty_file_has_nothing_done() {
        let missing = test_support::scratch_dir("resume-none.jsonl");
        let done = read_done(&missing, OutputFormat::Csv).unwrap();
        assert!(done.paths.is_empty() && !done.has_header);
        let p = temp("empty.csv", b"");
        let done = read_done(&p, OutputFormat::Csv).unwrap();
        assert!(done.paths.is_empty() && !done.has_header && done.torn_bytes == 0);
        std::fs::remove_file(&p).ok();
    }
}
