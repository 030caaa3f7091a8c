//! Inference over a strip of frames that overlapping windows share.
//!
//! Windows hop by about half their length, so every frame of a clip is in two windows and
//! [`ConvNet::infer`] runs block 1 (the two convolutions at full resolution, 45 % of a forward
//! pass on a 2-core CPU) twice over it. [`ConvNet::infer_strip`] runs block 1's convolutions once
//! over the clip's frames and cuts each window's map from that, recomputing only the rows that
//! see the window's zero padding instead of its neighbours; from block 1's pooling on, each window
//! goes its own way as before. The values are those of `infer` on the cut windows.
use tch::nn;
use tch::{Kind, Tensor};

use super::{pool_axis, Activation, ConvNet};

/// Rows each end of a window whose block-1 output differs from the strip's: two convolutions
/// with padding 2 reach two rows each past the window's edge.
const EDGE: i64 = 4;

impl ConvNet {
    /// The logits (`n × labels`) of the windows of `frames` frames that start at the rows
    /// `starts` (`n`, int64) of `strip` (`rows × mels`): the same values as [`ConvNet::infer`] on
    /// each window cut out (within float rounding: the convolutions run on other shapes).
    ///
    /// Windows may overlap, abut or come from different clips laid end to end: row `r` of a
    /// window's second convolution, for `EDGE ≤ r < frames`, reads only that window's frames, so
    /// it is read from one pass over the whole strip; the `EDGE` rows at its start and the rows
    /// past its end that the pooling reads are recomputed from the window's own first and last
    /// `EDGE` frames, zero-padded as `infer` pads them. Nothing reads a shape that varies: the
    /// traced graph accepts any strip and any starts whose windows lie inside it.
    pub fn infer_strip(&self, strip: &Tensor, starts: &Tensor, frames: i64) -> Tensor {
        let (conv1, act1) = &self.convs[0];
        let (conv2, act2) = &self.convs[1];
        let mels = strip.size().last().copied().unwrap_or(0);
        // A learned PReLU slope may turn negative: then the activation comes before the pooling.
        let prelu = matches!(act2.kind, Activation::Prelu);
        let pool_mels = |h: Tensor| if prelu { pool_axis(&act2.infer(&h), -1) } else { pool_axis(&h, -1) };
        let conv = |x: &Tensor, c: &nn::Conv2D, pad_rows: i64| {
            x.conv2d(&c.ws, c.bs.as_ref(), [1, 1], [pad_rows, 2], [1, 1], 1)
        };
        let rows = |first: i64, count: i64| {
            // first, first + 1, …: made from `starts` itself, so that a traced graph runs on the
            // device it is loaded on (a factory such as `arange` records the tracing device).
            let ones = starts.narrow(0, 0, 1).expand([count], false).ones_like();
            let offsets = ones.cumsum(0, Kind::Int64) + (first - 1);
            (starts.unsqueeze(1) + offsets).view([-1])
        };

        // Block 1 over the whole strip once (rows shifted by the padding: row r of a window
        // starting at s is row s + r of this map), pooled across mel bands.
        let whole = strip.unsqueeze(0).unsqueeze(0);
        let whole = pool_mels(conv(&act1.infer(&conv(&whole, conv1, 2)), conv2, 2)).squeeze_dim(0);
        let (channels, bands) = (whole.size()[0], whole.size()[2]);
        let inner = whole
            .index_select(1, &rows(EDGE, frames - EDGE))
            .view([channels, -1, frames - EDGE, bands])
            .permute([1, 0, 2, 3]);

        // The window's own EDGE first (or last) frames, zero-padded on the window's side as
        // `infer` pads them, through both convolutions: EDGE rows of the second one.
        let edge = |first: i64, pad_top: i64, pad_bottom: i64| {
            let x = strip.index_select(0, &rows(first, EDGE)).view([-1, 1, EDGE, mels]);
            let h = act1.infer(&conv(&x.constant_pad_nd([0, 0, pad_top, pad_bottom]), conv1, 0));
            conv(&h.constant_pad_nd([0, 0, pad_top, pad_bottom]), conv2, 0)
        };
        let head = pool_mels(edge(0, 2, 0));
        // The pooling reads rows 0..kept of the frames + 4 the padding grows the map to.
        let kept = 3 * ((frames + 4) / 3);
        let tail = pool_mels(edge(frames - EDGE, 0, 2).narrow(2, 0, kept - frames));

        let h = pool_axis(&Tensor::cat(&[head, inner, tail], 2), -2);
        let h = if prelu { h } else { act2.infer(&h) };
        self.infer_from(&h, 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::ModuleT;
    use tch::Device;

    /// Three clips of 1, 2 and 5 windows (hop 22) laid end to end, as the server batches them.
    fn strip_and_starts(frames: i64, hop: i64) -> (Tensor, Vec<i64>) {
        let mut starts = Vec::new();
        let mut rows = 0;
        for windows in [1, 2, 5] {
            starts.extend((0..windows).map(|i| rows + i * hop));
            rows += (windows - 1) * hop + frames;
        }
        (Tensor::randn([rows, 128], (Kind::Float, Device::Cpu)), starts)
    }

    fn check(activation: Activation, frames: i64) {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), activation, 11);
        if activation == Activation::Prelu {
            // Negative slopes: the activation must not be moved past the pooling.
            tch::no_grad(|| {
                for (name, mut v) in vs.variables() {
                    if name.ends_with("prelu") {
                        let _ = v.uniform_(-0.5, 0.5);
                    }
                }
            });
        }
        let (strip, starts) = strip_and_starts(frames, frames.div_euclid(2) + 1);
        let windows = Tensor::stack(&starts.iter().map(|&s| strip.narrow(0, s, frames)).collect::<Vec<_>>(), 0);
        let expected = tch::no_grad(|| net.forward_t(&windows.unsqueeze(1), false));
        let got = tch::no_grad(|| net.infer_strip(&strip, &Tensor::from_slice(&starts), frames));
        assert_eq!(got.size(), expected.size());
        let diff = (got - &expected).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "{activation:?}, {frames} frames: logits differ by {diff}");
    }

    #[test]
    fn the_strip_gives_the_logits_of_the_cut_windows() {
        check(Activation::default(), 43);
    }

    #[test]
    fn so_it_does_under_prelu_with_negative_slopes() {
        check(Activation::Prelu, 43);
    }

    #[test]
    fn and_for_every_window_length_modulo_the_pooling() {
        for frames in [40, 41, 42] {
            check(Activation::default(), frames);
        }
    }
}
