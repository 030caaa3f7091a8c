//! Window sigmoids to the answer: aggregation, thresholds, sorting, timeline and segments.
use std::collections::BTreeMap;

use shared::aggregate::{aggregate, Thresholds};
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
    /// Spectrogram frames of the whole clip.
    pub frames: usize,
}

/// The answer for a clip whose windows scored `sigmoids` (`windows × labels`, row-major).
pub fn report(m: &Manifest, clip: &Clip, sigmoids: &[f32], how: &Resolved) -> Recognition {
    let per_window: Vec<Vec<f32>> = sigmoids.chunks(N_LABELS).map(<[f32]>::to_vec).collect();
    let scores = aggregate(&per_window, N_LABELS, how.aggregation);
    let present = how.thresholds.apply(&scores);
    let mut instruments: Vec<Instrument> = LABELS
        .iter()
        .zip(LABEL_NAMES)
        .zip(scores.iter().zip(&present))
        .enumerate()
        .map(|(i, ((&label, name), (&score, &present)))| Instrument {
            label,
            name,
            score,
            threshold: how.thresholds.for_label(i),
            present,
        })
        .collect();
    instruments.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.label.cmp(y.label)));
    let labels: Vec<&'static str> = instruments.iter().filter(|i| i.present).map(|i| i.label).collect();
    let frame_seconds = m.front_end.frame_seconds();
    let starts = window_starts_seconds(clip.frames, &m.window, frame_seconds);
    let timeline = how.timeline.then(|| {
        starts
            .iter()
            .zip(&per_window)
            .map(|(&start, p)| TimelineWindow {
                start_seconds: start,
                scores: LABELS.iter().copied().zip(p.iter().copied()).collect(),
            })
            .collect()
    });
    let segments = how.segments.map(|p| {
        let grid = WindowGrid {
            starts: &starts,
            window_seconds: m.window.frames as f64 * frame_seconds,
            duration_seconds: clip.duration_seconds,
        };
        LABELS
            .iter()
            .enumerate()
            .filter(|(_, l)| labels.contains(l))
            .map(|(i, &l)| {
                let column: Vec<f32> = per_window.iter().map(|w| w.get(i).copied().unwrap_or(0.0)).collect();
                (l, segments(&column, grid, &p))
            })
            .collect::<BTreeMap<_, _>>()
    });
    Recognition {
        model_id: m.model_id.clone(),
        duration_seconds: clip.duration_seconds,
        sample_rate: clip.sample_rate,
        windows: per_window.len(),
        aggregation: how.aggregation,
        threshold: match how.thresholds {
            Thresholds::Global(t) => Some(t),
            Thresholds::PerLabel(_) => None,
        },
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

    /// 10 s of audio: piano in the first 4 s, voice in the rest.
    fn clip() -> (Clip, Vec<f32>) {
        let frames = (10.0 * 22050.0 / 512.0) as usize + 1;
        let n = shared::frontend::window_count(frames, &WindowParams::default());
        let mut sig = vec![0.0f32; n * N_LABELS];
        for w in 0..n {
            let start = w as f64 * 22.0 * 512.0 / 22050.0;
            let label = if start + 0.5 < 4.0 { 6 } else { 10 };
            sig[w * N_LABELS + label] = 0.9;
        }
        (Clip { duration_seconds: 10.0, sample_rate: 44100, frames }, sig)
    }

    fn how(segments: bool) -> Resolved {
        Resolved {
            aggregation: Aggregation::S2,
            thresholds: Thresholds::Global(0.5),
            timeline: true,
            segments: segments.then(SegmentParams::default),
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
    }
}
