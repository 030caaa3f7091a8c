//! Window sigmoids to the answer: aggregation over the audible windows, thresholds and
//! evidence, sorting, timeline and segments.
use std::collections::BTreeMap;

use shared::aggregate::{aggregate, evidence, present, Thresholds};
use shared::frontend::window_starts_seconds;
use shared::labels::{LABELS, LABEL_NAMES, N_LABELS};
use shared::manifest::Manifest;
use shared::segments::{segments, WindowGrid};

use super::{Instrument, Recognition, Resolved, TimelineWindow};

/// What the answer says of the audio itself.
#[derive(Debug, Clone, Copy)]
pub struct Clip {
    pub duration_seconds: f64,
    /// Of the source, before resampling.
    pub sample_rate: u32,
    /// Spectrogram frames of the clip's audible span.
    pub frames: usize,
    /// Seconds before the audible span: where the first window starts.
    pub offset_seconds: f64,
    /// Where the audible span ends, in seconds of the clip (its duration when nothing was cut).
    pub end_seconds: f64,
}

/// Every window of a clip: its level before normalisation, and the sigmoids of the audible
/// ones (a window below the audible floor is never scored).
#[derive(Debug, Clone, Default)]
pub struct WindowScores {
    /// Level of each window in dBFS.
    pub levels: Vec<f32>,
    /// The sigmoids of the audible windows, in order (`audible × labels`, row-major).
    pub sigmoids: Vec<f32>,
}

impl WindowScores {
    /// Each window's level and sigmoids, `None` for a silent one (by `how`'s audible floor).
    pub fn per_window(&self, how: &Resolved) -> Vec<(f32, Option<&[f32]>)> {
        let mut rows = self.sigmoids.chunks(N_LABELS);
        self.levels.iter().map(|&l| (l, if how.audible(l) { rows.next() } else { None })).collect()
    }
}

/// Seconds of the clip covered by at least one audible window; the last window reaches the
/// clip's end (its tail, under one hop, is in no later window), as a segment does.
fn audible_seconds(starts: &[f64], audible: impl Iterator<Item = bool>, window_seconds: f64, duration: f64) -> f64 {
    let mut covered = 0.0;
    let mut reach = 0.0f64;
    let last = starts.len().saturating_sub(1);
    for (i, (&start, _)) in starts.iter().zip(audible).enumerate().filter(|(_, (_, a))| *a) {
        let end = if i == last { duration } else { (start + window_seconds).min(duration) };
        let from = start.max(reach);
        if end > from {
            covered += end - from;
        }
        reach = reach.max(end);
    }
    covered
}

/// The answer for a clip whose windows scored `w`.
pub fn report(m: &Manifest, clip: &Clip, w: &WindowScores, how: &Resolved) -> Recognition {
    let per_window = w.per_window(how);
    let heard: Vec<Vec<f32>> = per_window.iter().filter_map(|(_, s)| s.map(<[f32]>::to_vec)).collect();
    let scores = aggregate(&heard, N_LABELS, how.aggregation);
    let evidence = evidence(&heard, N_LABELS);
    let present = present(&scores, &evidence, &how.thresholds, how.evidence_floor);
    let mut instruments: Vec<Instrument> = LABELS
        .iter()
        .zip(LABEL_NAMES)
        .zip(scores.iter().zip(&evidence).zip(&present))
        .enumerate()
        .map(|(i, ((&label, name), ((&score, &evidence), &present)))| Instrument {
            label,
            name,
            score,
            threshold: how.thresholds.for_label(i),
            evidence,
            present,
        })
        .collect();
    instruments.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.label.cmp(y.label)));
    let labels: Vec<&'static str> = instruments.iter().filter(|i| i.present).map(|i| i.label).collect();
    let frame_seconds = m.front_end.frame_seconds();
    let window_seconds = m.window.frames as f64 * frame_seconds;
    let starts: Vec<f64> = window_starts_seconds(clip.frames, &m.window, frame_seconds)
        .into_iter()
        .map(|s| s + clip.offset_seconds)
        .collect();
    let timeline = how.timeline.then(|| {
        starts
            .iter()
            .zip(&per_window)
            .map(|(&start, &(level, p))| TimelineWindow {
                start_seconds: start,
                level_dbfs: level,
                silent: p.is_none(),
                scores: p.map(|p| LABELS.iter().copied().zip(p.iter().copied()).collect()).unwrap_or_default(),
            })
            .collect()
    });
    let segments = how.segments.map(|p| {
        // Ranges end where the audible span does: the silence cut after it holds no instrument.
        let grid = WindowGrid { starts: &starts, window_seconds, duration_seconds: clip.end_seconds };
        LABELS
            .iter()
            .enumerate()
            .filter(|(_, l)| labels.contains(l))
            .map(|(i, &l)| {
                // A silent window holds no instrument.
                let column: Vec<f32> =
                    per_window.iter().map(|(_, w)| w.and_then(|w| w.get(i)).copied().unwrap_or(0.0)).collect();
                (l, segments(&column, grid, &p))
            })
            .collect::<BTreeMap<_, _>>()
    });
    Recognition {
        model_id: m.model_id.clone(),
        duration_seconds: clip.duration_seconds,
        sample_rate: clip.sample_rate,
        windows: per_window.len(),
        audible_windows: heard.len(),
        audible_seconds: audible_seconds(
            &starts,
            per_window.iter().map(|(_, s)| s.is_some()),
            window_seconds,
            clip.end_seconds,
        ),
        audible_floor_dbfs: how.audible_floor_dbfs,
        aggregation: how.aggregation,
        threshold: match how.thresholds {
            Thresholds::Global(t) => Some(t),
            Thresholds::PerLabel(_) => None,
        },
        evidence_floor: how.evidence_floor,
        instruments,
        labels,
        timeline,
        segments,
        segment_params: how.segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::aggregate::Aggregation;
    use shared::frontend::WindowParams;
    use shared::segments::SegmentParams;

    /// 10 s of audio: piano in the first 4 s, voice in the rest; every window audible.
    fn clip() -> (Clip, WindowScores) {
        let frames = (10.0 * 22050.0 / 512.0) as usize + 1;
        let n = shared::frontend::window_count(frames, &WindowParams::default());
        let mut sig = vec![0.0f32; n * N_LABELS];
        for w in 0..n {
            let start = w as f64 * 22.0 * 512.0 / 22050.0;
            let label = if start + 0.5 < 4.0 { 6 } else { 10 };
            sig[w * N_LABELS + label] = 0.9;
        }
        let scores = WindowScores { levels: vec![-20.0; n], sigmoids: sig };
        (Clip { duration_seconds: 10.0, sample_rate: 44100, frames, offset_seconds: 0.0, end_seconds: 10.0 }, scores)
    }

    fn how(segments: bool) -> Resolved {
        Resolved {
            aggregation: Aggregation::S2,
            thresholds: Thresholds::Global(0.5),
            timeline: true,
            segments: segments.then(SegmentParams::default),
            audible_floor_dbfs: -60.0,
            evidence_floor: 0.0,
        }
    }

    #[test]
    fn sorted_scores_labels_timeline_and_segments() {
        let m = Manifest::new("t", WindowParams::default(), "lrelu:0.33");
        let (c, sig) = clip();
        let r = report(&m, &c, &sig, &how(true));
        assert_eq!(r.labels, vec!["voi", "pia"]);
        assert_eq!(r.instruments[0].score, 1.0);
        assert!(r.instruments.windows(2).all(|w| w[0].score >= w[1].score));
        assert_eq!(r.timeline.as_ref().unwrap().len(), r.windows);
        let seg = r.segments.unwrap();
        assert_eq!(seg.keys().copied().collect::<Vec<_>>(), vec!["pia", "voi"]);
        let (pia, voi) = (&seg["pia"], &seg["voi"]);
        assert_eq!(pia.len(), 1, "{pia:?}");
        assert_eq!(voi.len(), 1, "{voi:?}");
        assert!(pia[0].start_seconds == 0.0 && (pia[0].end_seconds - 4.0).abs() <= 0.5, "{pia:?}");
        assert!((voi[0].start_seconds - 4.0).abs() <= 0.5 && voi[0].end_seconds == 10.0, "{voi:?}");
        assert!(report(&m, &c, &sig, &how(false)).segments.is_none());
        assert_eq!((r.audible_windows, r.audible_seconds), (r.windows, 10.0));
    }

    #[test]
    fn silent_windows_do_not_vote() {
        let m = Manifest::new("t", WindowParams::default(), "lrelu:0.33");
        let (c, all) = clip();
        let n = all.levels.len();
        // The first 6 windows (3.5 s) silent: only voice is left, and the timeline says so.
        let sigmoids: Vec<f32> = all.sigmoids.chunks(N_LABELS).skip(6).flatten().copied().collect();
        let levels = (0..n).map(|i| if i < 6 { -90.0 } else { -20.0 }).collect();
        let w = WindowScores { levels, sigmoids };
        let r = report(&m, &c, &w, &how(true));
        assert_eq!(r.labels, vec!["voi"]);
        assert_eq!(r.audible_windows, n - 6);
        assert!((r.audible_seconds - (10.0 - 6.0 * 22.0 * 512.0 / 22050.0)).abs() < 1e-9, "{}", r.audible_seconds);
        let t = r.timeline.unwrap();
        assert!(t[..6].iter().all(|w| w.silent && w.scores.is_empty() && w.level_dbfs == -90.0));
        assert!(t[6..].iter().all(|w| !w.silent && w.scores.len() == N_LABELS));
        assert_eq!(r.segments.unwrap().keys().copied().collect::<Vec<_>>(), vec!["voi"]);
    }

    #[test]
    fn no_audible_window_answers_no_label() {
        let m = Manifest::new("t", WindowParams::default(), "lrelu:0.33");
        let (c, all) = clip();
        let n = all.levels.len();
        let w = WindowScores { levels: vec![-200.0; n], sigmoids: Vec::new() };
        let r = report(&m, &c, &w, &how(true));
        assert!(r.labels.is_empty());
        assert_eq!((r.audible_windows, r.audible_seconds, r.windows), (0, 0.0, n));
        assert!(r.instruments.iter().all(|i| i.score == 0.0 && !i.present));
        assert!(r.segments.unwrap().is_empty());
    }

    #[test]
    fn the_evidence_floor_takes_away_a_label_the_windows_do_not_back() {
        let m = Manifest::new("t", WindowParams::default(), "lrelu:0.33");
        let (c, mut w) = clip();
        // Every sigmoid scaled down to a tenth: S2 still scores both 1.0 / high, the evidence does not.
        w.sigmoids.iter_mut().for_each(|v| *v *= 0.1);
        assert_eq!(report(&m, &c, &w, &how(false)).labels, vec!["voi", "pia"]);
        let strict = Resolved { evidence_floor: 0.5, ..how(false) };
        let r = report(&m, &c, &w, &strict);
        assert!(r.labels.is_empty(), "{:?}", r.labels);
        assert!((r.instruments[0].evidence - 0.09).abs() < 1e-6, "{:?}", r.instruments[0]);
    }
}
