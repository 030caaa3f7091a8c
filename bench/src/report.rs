//! The Markdown of docs/perf.md: tables with ours, the reference and the ratio side by side.
use shared::manifest::Manifest;

use crate::load::LoadResult;

pub fn ratio(ours: f64, theirs: f64) -> String {
    if theirs > 0.0 && ours.is_finite() {
        format!("**{:.2}×**", ours / theirs)
    } else {
        "–".into()
    }
}

fn mib(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.0}"))
}

pub fn server_header() -> String {
    "| clip | clients | ours req/s | ours audio-s/s | ours p50 / p99 ms | ours peak RSS MiB | reference req/s | reference audio-s/s | reference p50 / p99 ms | reference peak RSS MiB | audio-s/s ours ÷ reference |\n\
     |---|---|---|---|---|---|---|---|---|---|---|\n"
        .into()
}

pub fn server_row(clip: &str, ours: &LoadResult, theirs: &LoadResult) -> String {
    format!(
        "| {clip} | {} | {:.2} | {:.1} | {:.0} / {:.0} | {} | {:.2} | {:.1} | {:.0} / {:.0} | {} | {} |\n",
        ours.concurrency,
        ours.requests_per_second,
        ours.audio_seconds_per_second,
        ours.p50_ms,
        ours.p99_ms,
        mib(ours.rss_peak_mib),
        theirs.requests_per_second,
        theirs.audio_seconds_per_second,
        theirs.p50_ms,
        theirs.p99_ms,
        mib(theirs.rss_peak_mib),
        ratio(ours.audio_seconds_per_second, theirs.audio_seconds_per_second),
    )
}

pub fn variant_header() -> String {
    "| variant | clip | clients | audio-s/s | p50 / p99 ms | peak RSS MiB | page faults / request | audio-s/s ÷ default | kept |\n\
     |---|---|---|---|---|---|---|---|---|\n"
        .into()
}

pub fn variant_row(name: &str, clip: &str, r: &LoadResult, base: &LoadResult, kept: &str) -> String {
    format!(
        "| {name} | {clip} | {} | {:.1} | {:.0} / {:.0} | {} | {} | {} | {kept} |\n",
        r.concurrency,
        r.audio_seconds_per_second,
        r.p50_ms,
        r.p99_ms,
        mib(r.rss_peak_mib),
        r.minor_faults_per_request.map_or("–".into(), |f| format!("{f:.0}")),
        ratio(r.audio_seconds_per_second, base.audio_seconds_per_second),
    )
}

/// A target line: what it asks, what was measured, and whether it is met.
pub fn target(what: &str, measured: String, met: bool) -> String {
    format!("| {what} | {measured} | {} |\n", if met { "met" } else { "**not met**" })
}

/// One line on an export's accuracy against the fp32 model's: micro and macro F1 on each
/// evaluation set both manifests record (`trainer evaluate --record`).
pub fn accuracy(name: &str, export: &Manifest, fp32: &Manifest) -> String {
    let get = |m: &Manifest, k: &str| m.training.metrics.get(k).copied();
    let mut parts = Vec::new();
    for (set, label) in [("test", "held-out timbres"), ("real_dev", "real-dev"), ("real_dev_2", "real-dev-2")] {
        let mut f1s = Vec::new();
        for kind in ["micro", "macro"] {
            let key = format!("{set}_{kind}_f1");
            if let (Some(e), Some(f)) = (get(export, &key), get(fp32, &key)) {
                f1s.push(format!("{kind} F1 {e:.4} against {f:.4} ({:+.4})", e - f));
            }
        }
        if !f1s.is_empty() {
            parts.push(format!("{label}: {}", f1s.join(", ")));
        }
    }
    match parts.is_empty() {
        true => format!("The {name} export has no recorded accuracy (`trainer evaluate --record`).\n"),
        false => {
            format!("Accuracy of the {name} export against fp32 (`trainer evaluate --record`): {}.\n", parts.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(aps: f64) -> LoadResult {
        LoadResult {
            concurrency: 4,
            requests: 10,
            errors: 0,
            seconds: 1.0,
            requests_per_second: aps / 10.0,
            audio_seconds_per_second: aps,
            p50_ms: 100.0,
            p99_ms: 150.0,
            rss_start_mib: Some(100.0),
            rss_peak_mib: Some(120.4),
            rss_end_mib: Some(110.0),
            rss_trace_mib: vec![],
            minor_faults_per_request: Some(12.0),
        }
    }

    #[test]
    fn ratio_is_ours_over_theirs_and_dashes_a_missing_baseline() {
        assert_eq!(ratio(30.0, 10.0), "**3.00×**");
        assert_eq!(ratio(30.0, 0.0), "–");
    }

    #[test]
    fn server_row_puts_both_sides_and_the_ratio_in_one_line() {
        let row = server_row("10 s WAV", &result(40.0), &result(10.0));
        assert_eq!(row.matches('|').count(), 12, "{row}");
        assert!(row.contains("| 120 |") && row.ends_with("| **4.00×** |\n"), "{row}");
    }

    #[test]
    fn variant_row_shows_the_page_faults_and_the_ratio_to_the_default() {
        let row = variant_row("`--x`", "10 s WAV", &result(20.0), &result(10.0), "no");
        assert!(row.contains("| 12 | **2.00×** | no |"), "{row}");
    }
}
