//! Silence at the edges of a recording: where it begins and ends.
//!
//! The window grid starts at a recording's first sample, so a second of silence before the
//! music moves every window and changes what each one hears; a window straddling the edge hears
//! half music, half silence. Cutting the recording to its audible span, from the first to the
//! last sample whose magnitude reaches the audible floor's amplitude, makes the windows of a
//! padded recording the windows of the plain one, to the bit, and so its answer. A sample is a
//! finer mark than a window's RMS: noise below the floor almost never reaches the floor's
//! amplitude (hiss 20 dB below it would need a 10-σ sample), while music crosses it at once.
use std::ops::Range;

/// The span from the first to the last sample with |x| ≥ the amplitude of `floor_dbfs`
/// (non-finite samples never count); `None` when no sample reaches it.
pub fn audible_span(samples: &[f32], floor_dbfs: f32) -> Option<Range<usize>> {
    let mut finder = SpanFinder::new(floor_dbfs);
    finder.push(samples);
    finder.span()
}

/// The audible span of a signal arriving in pieces: its first and last loud sample so far.
#[derive(Debug, Clone, Copy)]
pub struct SpanFinder {
    amplitude: f32,
    seen: usize,
    first: Option<usize>,
    last: usize,
}

impl SpanFinder {
    pub fn new(floor_dbfs: f32) -> Self {
        Self { amplitude: 10f32.powf(floor_dbfs / 20.0), seen: 0, first: None, last: 0 }
    }

    pub fn push(&mut self, samples: &[f32]) {
        let loud = |x: &f32| x.is_finite() && x.abs() >= self.amplitude;
        if let Some(i) = samples.iter().rposition(loud) {
            self.last = self.seen + i;
            if self.first.is_none() {
                self.first = samples.iter().position(loud).map(|f| self.seen + f);
            }
        }
        self.seen += samples.len();
    }

    /// The span of everything pushed, as [`audible_span`] gives it for the whole signal.
    pub fn span(&self) -> Option<Range<usize>> {
        self.first.map(|f| f..self.last + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_runs_from_the_first_to_the_last_loud_sample() {
        let mut x = vec![0.0f32; 100];
        x[10] = 0.5;
        x[60] = -0.002;
        x[80] = 0.0005; // below -60 dBFS's amplitude (0.001)
        assert_eq!(audible_span(&x, -60.0), Some(10..61));
        assert_eq!(audible_span(&x, -80.0), Some(10..81));
        assert_eq!(audible_span(&[0.0; 50], -60.0), None);
        assert_eq!(audible_span(&[], -60.0), None);
        assert_eq!(audible_span(&[f32::NAN, f32::INFINITY, 0.5, f32::NAN], -60.0), Some(2..3));
    }

    #[test]
    fn pieces_find_the_span_of_the_whole() {
        let x: Vec<f32> = (0..10_000)
            .map(|i| if (1234..8765).contains(&i) { ((i as f32) * 0.1).sin() * 0.1 } else { 1e-5 })
            .collect();
        let want = audible_span(&x, -60.0);
        for piece in [1, 7, 1000, 10_000] {
            let mut f = SpanFinder::new(-60.0);
            x.chunks(piece).for_each(|c| f.push(c));
            assert_eq!(f.span(), want, "pieces of {piece}");
        }
        let mut f = SpanFinder::new(-60.0);
        f.push(&[0.0; 10]);
        assert_eq!(f.span(), None);
    }
}
