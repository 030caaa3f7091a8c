//! `docs/results/` holds the tables and the few figures a reader needs, and stays under 6 MB: a
//! run's per-clip JSON is compact and its plots are palette PNGs (`pngquant`), so a clone stays
//! small and the folder stays readable.
use std::path::Path;

const LIMIT_BYTES: u64 = 6_000_000;

fn size(dir: &Path, files: &mut Vec<(u64, String)>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            size(&entry.path(), files);
        } else {
            files.push((meta.len(), entry.path().display().to_string()));
        }
    }
}

#[test]
fn docs_results_stays_under_6_mb() {
    let mut files = Vec::new();
    size(&e2e::repo_root().join("docs/results"), &mut files);
    let total: u64 = files.iter().map(|f| f.0).sum();
    files.sort_unstable_by(|a, b| b.cmp(a));
    let largest: Vec<String> = files.iter().take(5).map(|(n, p)| format!("{p} ({n} B)")).collect();
    assert!(total <= LIMIT_BYTES, "docs/results holds {total} B, over {LIMIT_BYTES}; largest: {largest:#?}");
}
