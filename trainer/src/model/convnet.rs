//! VGG-style ConvNet of Table I: four blocks of two 3×3 convolutions, max-pooling, global
//! max-pooling, a 1024-unit hidden layer and one sigmoid per label.
use tch::nn::{self, ModuleT};
use tch::{Kind, Tensor};

use super::Activation;

mod strip;

/// Channels of the four convolutional blocks.
pub const BLOCK_CHANNELS: [i64; 4] = [32, 64, 128, 256];
/// Units of the hidden fully connected layer.
pub const FC_UNITS: i64 = 1024;

/// One activation after a convolution or the hidden layer, with its PReLU slopes if any.
#[derive(Debug)]
struct Act {
    kind: Activation,
    slope: Option<Tensor>,
    /// LReLU(α) only: α as a one-element fp32 tensor (not a variable), for inference.
    leaky_slope: Option<Tensor>,
}

impl Act {
    fn new(vs: nn::Path<'_>, kind: Activation, channels: i64) -> Self {
        let slope = matches!(kind, Activation::Prelu).then(|| vs.var("prelu", &[channels], nn::Init::Const(0.25)));
        let leaky_slope = match kind {
            Activation::Lrelu(a) => Some(Tensor::from_slice(&[a as f32]).to_device(vs.device())),
            _ => None,
        };
        Self { kind, slope, leaky_slope }
    }

    fn apply(&self, x: &Tensor) -> Tensor {
        self.kind.apply(x, self.slope.as_ref())
    }

    /// [`Act::apply`] in fewer passes over memory: LReLU(α) on fp32 as libtorch's PReLU kernel
    /// with the constant slope α (one vectorised pass; `max(x, αx)` takes two kernels and a
    /// temporary). The same values, bit for bit: both give `x` for `x ≥ 0` and the same fp32
    /// product `αx` below. Other precisions keep `apply` (a bf16 α would round to 0.3301).
    fn infer(&self, x: &Tensor) -> Tensor {
        match &self.leaky_slope {
            Some(a) if x.kind() == Kind::Float && x.device() == a.device() => x.prelu(a),
            _ => self.apply(x),
        }
    }
}

/// Max-pooling over 3 × 3 tiles with stride 3 (floor mode, no padding) as the elementwise
/// maximum of the tiles' nine strided views: the same values as `max_pool2d`, whose CPU kernel
/// also computes the argmax of every tile and took a fifth of a forward pass (perf record on the
/// server). The slices read no shape, so a traced graph keeps accepting any number of frames:
/// `k..-(2-k)` step 3 has ⌊n/3⌋ elements for each offset k.
fn pool3(x: &Tensor) -> Tensor {
    pool_axis(&pool_axis(x, -1), -2)
}

/// [`pool3`] along one axis: the maximum of each run of 3 along `dim`, stride 3.
fn pool_axis(t: &Tensor, dim: i64) -> Tensor {
    let part = |k: i64| t.slice(dim, k, if k == 2 { None } else { Some(k - 2) }, 3);
    part(0).maximum(&part(1)).maximum(&part(2))
}

/// Glorot-uniform (Keras' default) for a layer with the given fan-in and fan-out.
fn glorot(fan_in: i64, fan_out: i64) -> nn::Init {
    let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
    nn::Init::Uniform { lo: -bound, up: bound }
}

fn conv3x3(vs: nn::Path<'_>, c_in: i64, c_out: i64) -> nn::Conv2D {
    let config = nn::ConvConfig {
        // Padding 2: each convolution grows the map by 2 in each axis, as in Table I.
        padding: 2,
        ws_init: glorot(c_in * 9, c_out * 9),
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    nn::conv2d(vs, c_in, c_out, 3, config)
}

fn linear(vs: nn::Path<'_>, n_in: i64, n_out: i64) -> nn::Linear {
    let config = nn::LinearConfig { ws_init: glorot(n_in, n_out), bs_init: Some(nn::Init::Const(0.0)), bias: true };
    nn::linear(vs, n_in, n_out, config)
}

/// The network. `forward_t` takes `batch × 1 × frames × mels` and returns logits
/// (`batch × labels`); the exported model appends the sigmoid.
#[derive(Debug)]
pub struct ConvNet {
    convs: Vec<(nn::Conv2D, Act)>,
    fc: nn::Linear,
    fc_act: Act,
    out: nn::Linear,
}

impl ConvNet {
    pub fn new(vs: &nn::Path<'_>, activation: Activation, n_labels: i64) -> Self {
        let mut convs = Vec::new();
        let mut c_in = 1;
        for (b, &c) in BLOCK_CHANNELS.iter().enumerate() {
            for k in 0..2 {
                let p = vs / format!("block{}", b + 1) / format!("conv{}", k + 1);
                convs.push((conv3x3(&p / "conv", c_in, c), Act::new(&p / "act", activation, c)));
                c_in = c;
            }
        }
        let fc = linear(vs / "fc", c_in, FC_UNITS);
        let fc_act = Act::new(vs / "fc_act", activation, FC_UNITS);
        let out = linear(vs / "out", FC_UNITS, n_labels);
        Self { convs, fc, fc_act, out }
    }

    /// Every intermediate map, in order: the two convolutions of each block and, after blocks
    /// 1-3, the pooling; then the global max (batch × 256), the hidden layer (batch × 1024) and
    /// the logits. Dropout is applied only when `train`.
    pub fn stages(&self, x: &Tensor, train: bool) -> Vec<Tensor> {
        let mut maps = Vec::new();
        let mut h = x.shallow_clone();
        for (i, (conv, act)) in self.convs.iter().enumerate() {
            h = act.apply(&h.apply(conv));
            maps.push(h.shallow_clone());
            let block_end = i % 2 == 1;
            if block_end && i < self.convs.len() - 1 {
                h = h.max_pool2d([3, 3], [3, 3], [0, 0], [1, 1], false).dropout(0.25, train);
                maps.push(h.shallow_clone());
            }
        }
        // Global max over time and frequency: any number of frames works (no shape is read).
        h = h.amax([-2, -1], false);
        maps.push(h.shallow_clone());
        h = self.fc_act.apply(&h.apply(&self.fc));
        maps.push(h.shallow_clone());
        h = h.dropout(0.5, train).apply(&self.out);
        maps.push(h);
        maps
    }
}

/// The convolutional path up to the end of a block, with what deconvolution needs to go back.
pub struct ConvPath {
    /// The output of each convolution after its activation (two per block).
    pub maps: Vec<Tensor>,
    /// For each pooling passed: the switches (indices of the maxima) and the map size before it.
    pub switches: Vec<(Tensor, Vec<i64>)>,
}

impl ConvNet {
    /// The logits in evaluation mode by the shortest path, what the exported model traces:
    /// each pooling taken on the convolution's output before its activation (a non-decreasing
    /// activation commutes with the maximum, so 9× fewer elements go through it), pooling by
    /// [`pool3`], LReLU by [`Act::infer`]. The same values as [`ConvNet::stages`], bit for bit.
    fn infer(&self, x: &Tensor) -> Tensor {
        self.infer_from(x, 0)
    }

    /// [`ConvNet::infer`] from convolution `first` on (`h` is what convolution `first` takes).
    fn infer_from(&self, h: &Tensor, first: usize) -> Tensor {
        let mut h = h.shallow_clone();
        let last = self.convs.len() - 1;
        for (i, (conv, act)) in self.convs.iter().enumerate().skip(first) {
            h = h.apply(conv);
            h = match (i % 2 == 1 && i < last, act.kind) {
                (false, _) => act.infer(&h),
                // A learned PReLU slope may turn negative, and then it does not commute.
                (true, Activation::Prelu) => pool3(&act.infer(&h)),
                (true, _) => act.infer(&pool3(&h)),
            };
        }
        let h = self.fc_act.infer(&h.amax([-2, -1], false).apply(&self.fc));
        h.apply(&self.out)
    }

    /// The weights of the convolutions in order (`c_out × c_in × 3 × 3`).
    pub fn conv_weights(&self) -> Vec<&Tensor> {
        self.convs.iter().map(|(conv, _)| &conv.ws).collect()
    }

    /// Runs the convolutions of blocks `1..=blocks` (evaluation mode), recording the pooling
    /// switches between blocks.
    pub fn conv_path(&self, x: &Tensor, blocks: usize) -> ConvPath {
        let mut path = ConvPath { maps: Vec::new(), switches: Vec::new() };
        let mut h = x.shallow_clone();
        for (i, (conv, act)) in self.convs.iter().take(2 * blocks.min(BLOCK_CHANNELS.len())).enumerate() {
            if i > 0 && i % 2 == 0 {
                let size = h.size();
                let (pooled, idx) = h.max_pool2d_with_indices([3, 3], [3, 3], [0, 0], [1, 1], false);
                path.switches.push((idx, size));
                h = pooled;
            }
            h = act.apply(&h.apply(conv));
            path.maps.push(h.shallow_clone());
        }
        path
    }
}

impl ModuleT for ConvNet {
    /// Training runs [`ConvNet::stages`] (its gradients, dropout and all, as they always were);
    /// evaluation the equal but faster [`ConvNet::infer`].
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        if train {
            self.stages(x, train).pop().unwrap_or_else(|| x.shallow_clone())
        } else {
            self.infer(x)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn net(activation: Activation) -> (nn::VarStore, ConvNet) {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), activation, 11);
        (vs, net)
    }

    #[test]
    fn feature_maps_are_table_one() {
        let (_vs, net) = net(Activation::default());
        let x = Tensor::zeros([2, 1, 43, 128], (Kind::Float, Device::Cpu));
        let shapes: Vec<Vec<i64>> = net.stages(&x, false).iter().map(|t| t.size()[1..].to_vec()).collect();
        let expected: Vec<Vec<i64>> = vec![
            vec![32, 45, 130],
            vec![32, 47, 132],
            vec![32, 15, 44],
            vec![64, 17, 46],
            vec![64, 19, 48],
            vec![64, 6, 16],
            vec![128, 8, 18],
            vec![128, 10, 20],
            vec![128, 3, 6],
            vec![256, 5, 8],
            vec![256, 7, 10],
            vec![256],
            vec![1024],
            vec![11],
        ];
        assert_eq!(shapes, expected);
    }

    #[test]
    fn parameter_count_is_about_1_45_million() {
        let (vs, _net) = net(Activation::default());
        let n: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
        // Table I: 1,446,123 weights and biases (conv 1,171,680 + FC 263,168 + output 11,275).
        assert_eq!(n, 1_446_123);
        let (vs, _net) = net(Activation::Prelu);
        let n: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
        assert_eq!(n, 1_446_123 + 2 * (32 + 64 + 128 + 256) + 1024);
    }

    #[test]
    fn the_inference_path_equals_the_stages_bit_for_bit() {
        for activation in [Activation::default(), Activation::Relu, Activation::Prelu, Activation::Tanh] {
            let (vs, net) = net(activation);
            // PReLU slopes learned negative (a falling activation) must still give the same.
            for (name, mut slope) in vs.variables() {
                if name.ends_with("prelu") {
                    tch::no_grad(|| slope.copy_(&(slope.rand_like() - 0.75)));
                }
            }
            for (b, t) in [(2, 43), (1, 44), (3, 101)] {
                let x = Tensor::randn([b, 1, t, 128], (Kind::Float, Device::Cpu));
                let slow = net.stages(&x, false).pop().unwrap();
                let fast = net.forward_t(&x, false);
                assert_eq!(fast.size(), slow.size());
                let diff = (fast - slow).abs().max().double_value(&[]);
                assert_eq!(diff, 0.0, "{activation} at {t} frames");
            }
        }
    }

    #[test]
    fn pool3_is_max_pool2d_for_any_size() {
        for (h, w) in [(47, 132), (3, 3), (5, 8), (19, 48), (10, 20)] {
            let x = Tensor::randn([2, 3, h, w], (Kind::Float, Device::Cpu));
            let expected = x.max_pool2d([3, 3], [3, 3], [0, 0], [1, 1], false);
            assert_eq!(pool3(&x), expected, "{h}×{w}");
        }
    }

    #[test]
    fn any_batch_and_length_at_least_one_window() {
        let (_vs, net) = net(Activation::Relu);
        for (b, t) in [(1, 43), (3, 86), (5, 200)] {
            let x = Tensor::randn([b, 1, t, 128], (Kind::Float, Device::Cpu));
            assert_eq!(net.forward_t(&x, false).size(), vec![b, 11]);
        }
    }

    #[test]
    fn glorot_uniform_weights_and_zero_biases() {
        let (vs, _net) = net(Activation::default());
        let vars = vs.variables();
        let w = &vars["block1.conv1.conv.weight"];
        let bound = (6.0f64 / (9.0 + 32.0 * 9.0)).sqrt();
        let max = w.abs().max().double_value(&[]);
        assert!(max <= bound && max > 0.8 * bound, "max {max} vs bound {bound}");
        assert_eq!(vars["out.bias"].abs().sum(Kind::Float).double_value(&[]), 0.0);
    }

    #[test]
    fn dropout_only_in_training() {
        let (_vs, net) = net(Activation::default());
        let x = Tensor::randn([4, 1, 43, 128], (Kind::Float, Device::Cpu));
        let a = net.forward_t(&x, false);
        let b = net.forward_t(&x, false);
        assert!(a.allclose(&b, 0.0, 0.0, false));
        let c = net.forward_t(&x, true);
        assert!(!a.allclose(&c, 1e-6, 1e-6, false));
    }
}
