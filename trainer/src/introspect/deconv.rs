//! Deconvolution (Zeiler & Fergus 2014) of one unit back onto the input: keep the unit's
//! strongest activation at the end of its block, zero everything else, and go back through the
//! network: rectify, transposed convolution with the learned filters, and unpooling with the
//! switches recorded on the way forward.
use ndarray::Array2;
use tch::Tensor;

use crate::model::ConvNet;

/// One unit projected onto the input.
pub struct Projection {
    /// Block (1-4) and unit (channel) index.
    pub block: usize,
    pub unit: i64,
    /// The unit's strongest activation and where it is in the block's output (time, mel).
    pub activation: f32,
    pub at: (i64, i64),
    /// The projection, the input's shape (frames × mels).
    pub image: Array2<f32>,
}

/// The `k` units of `block` (1-4) with the highest maximum activation for input `x`
/// (`1 × 1 × frames × mels`), strongest first.
pub fn top_units(net: &ConvNet, x: &Tensor, block: usize, k: usize) -> Vec<i64> {
    let path = tch::no_grad(|| net.conv_path(x, block));
    let Some(last) = path.maps.last() else { return Vec::new() };
    let per_unit = last.get(0).amax([-2, -1], false);
    let (_, order) = per_unit.sort(0, true);
    Vec::<i64>::try_from(&order).unwrap_or_default().into_iter().take(k).collect()
}

/// Projects the strongest activation of `unit` at the end of `block` (1-4) for input `x`
/// (`1 × 1 × frames × mels`) back to the input.
pub fn project(net: &ConvNet, x: &Tensor, block: usize, unit: i64) -> Projection {
    tch::no_grad(|| {
        let path = net.conv_path(x, block);
        let weights = net.conv_weights();
        let block_out = path.maps.last().expect("block ≥ 1");
        let map = block_out.get(0).get(unit);
        let w = map.size()[1];
        let flat = map.flatten(0, -1).argmax(0, false).int64_value(&[]);
        let at = (flat / w, flat % w);
        let activation = map.double_value(&[at.0, at.1]) as f32;
        let mut r = block_out.zeros_like();
        let _ = r.get(0).get(unit).get(at.0).get(at.1).fill_(activation as f64);
        for i in (0..path.maps.len()).rev() {
            // Back through the activation (rectified), then the convolution (padding 2 grew
            // the map by 2; the transposed convolution with padding 2 shrinks it back).
            r = r.relu().conv_transpose2d(weights[i], None::<Tensor>, [1, 1], [2, 2], [0, 0], 1, [1, 1]);
            if i > 0 && i % 2 == 0 {
                let (switches, size) = &path.switches[i / 2 - 1];
                r = r.max_unpool2d(switches, [size[2], size[3]]);
            }
        }
        let image = r.get(0).get(0).to_kind(tch::Kind::Float);
        let (frames, mels) = (image.size()[0] as usize, image.size()[1] as usize);
        let values = Vec::<f32>::try_from(&image.flatten(0, -1)).unwrap_or_default();
        let image = Array2::from_shape_vec((frames, mels), values).unwrap_or_else(|_| Array2::zeros((frames, mels)));
        Projection { block, unit, activation, at, image }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;
    use tch::{nn, Device, Kind};

    fn setup() -> (nn::VarStore, ConvNet, Tensor) {
        tch::manual_seed(5);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), Activation::default(), 11);
        let x = Tensor::randn([1, 1, 130, 128], (Kind::Float, Device::Cpu));
        (vs, net, x)
    }

    #[test]
    fn the_projection_has_the_input_shape_and_is_not_zero() {
        let (_vs, net, x) = setup();
        for block in 1..=4 {
            let units = top_units(&net, &x, block, 2);
            assert_eq!(units.len(), 2);
            for unit in units {
                let p = project(&net, &x, block, unit);
                assert_eq!(p.image.dim(), (130, 128), "block {block}");
                assert!(p.image.iter().any(|&v| v != 0.0), "block {block} unit {unit}");
                assert!(p.activation > 0.0);
            }
        }
    }

    /// Nonzero input positions of a projection.
    fn support(p: &Projection) -> Vec<(usize, usize)> {
        p.image.indexed_iter().filter(|(_, &v)| v != 0.0).map(|(ij, _)| ij).collect()
    }

    #[test]
    fn the_projection_stays_inside_the_units_receptive_field() {
        let (_vs, net, x) = setup();
        // Block 1: two 3×3 convolutions with padding 2; output (t, f) sees inputs t-4..=t, f-4..=f.
        let unit = top_units(&net, &x, 1, 1)[0];
        let p = project(&net, &x, 1, unit);
        let (t, f) = (p.at.0 as usize, p.at.1 as usize);
        for (i, j) in support(&p) {
            assert!(i + 4 >= t && i <= t && j + 4 >= f && j <= f, "({i}, {j}) outside the field of ({t}, {f})");
        }
        // Block 2: its output (t, f) sees pooled positions t-4..=t, i.e. block-1 outputs
        // 3(t-4)..=3t+2, i.e. inputs 3(t-4)-4..=3t+2.
        let unit = top_units(&net, &x, 2, 1)[0];
        let p = project(&net, &x, 2, unit);
        let (t, f) = (p.at.0 as usize, p.at.1 as usize);
        let (lo_t, lo_f) = ((3 * t).saturating_sub(16), (3 * f).saturating_sub(16));
        let s = support(&p);
        assert!(!s.is_empty());
        for (i, j) in s {
            assert!(
                i >= lo_t && i <= 3 * t + 2 && j >= lo_f && j <= 3 * f + 2,
                "({i}, {j}) outside the field of ({t}, {f})"
            );
        }
    }
}
