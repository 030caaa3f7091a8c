//! Per-unit maxima of the activations at the end of each block, the hidden layer and the output.
use tch::Tensor;

use crate::model::ConvNet;

/// The six layers the t-SNE figure shows, in order.
pub const LAYERS: [&str; 6] = ["block 1", "block 2", "block 3", "block 4", "hidden FC", "output (sigmoid)"];

/// Positions in [`ConvNet::stages`]: the second convolution of each block (before its pooling),
/// the hidden layer and the logits.
const STAGES: [usize; 6] = [1, 4, 7, 10, 12, 13];

/// Windows run per forward pass.
const CHUNK: i64 = 64;

/// For a batch of windows (`n × 1 × frames × mels`), one `n × units` matrix per layer of
/// [`LAYERS`]: each unit's maximum over time and frequency (paper V-G). Widths 32, 64, 128, 256,
/// 1024 and 11 (the sigmoid outputs).
pub fn pooled_activations(net: &ConvNet, x: &Tensor) -> Vec<Tensor> {
    let n = x.size()[0];
    let mut per_layer: Vec<Vec<Tensor>> = (0..LAYERS.len()).map(|_| Vec::new()).collect();
    tch::no_grad(|| {
        let mut start = 0;
        while start < n {
            let len = CHUNK.min(n - start);
            let stages = net.stages(&x.narrow(0, start, len), false);
            for (k, &i) in STAGES.iter().enumerate() {
                let t = &stages[i];
                let pooled = if t.dim() == 4 { t.amax([-2, -1], false) } else { t.shallow_clone() };
                per_layer[k].push(if i == 13 { pooled.sigmoid() } else { pooled });
            }
            start += len;
        }
    });
    per_layer.iter().map(|parts| Tensor::cat(parts, 0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;
    use tch::{nn, Device, Kind};

    #[test]
    fn widths_are_32_64_128_256_1024_11() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = ConvNet::new(&vs.root(), Activation::default(), 11);
        let x = Tensor::randn([70, 1, 43, 128], (Kind::Float, Device::Cpu));
        let layers = pooled_activations(&net, &x);
        let shapes: Vec<Vec<i64>> = layers.iter().map(Tensor::size).collect();
        assert_eq!(
            shapes,
            vec![vec![70, 32], vec![70, 64], vec![70, 128], vec![70, 256], vec![70, 1024], vec![70, 11]]
        );
        let out = &layers[5];
        assert!(out.min().double_value(&[]) > 0.0 && out.max().double_value(&[]) < 1.0, "sigmoid outputs");
        // Block 4 pooled per unit is the network's own global max-pool.
        let stages = tch::no_grad(|| net.stages(&x.narrow(0, 0, 5), false));
        assert!(layers[3].narrow(0, 0, 5).allclose(&stages[11], 1e-5, 1e-6, false));
    }
}
