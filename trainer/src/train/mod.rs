//! Training (paper III-C): Adam, binary cross-entropy, early stopping on validation loss.
mod augment;
mod epoch_log;
mod mix;
mod smoothing;
mod swa;
mod tensors;

pub use augment::{augment_batch, Augment};
pub use epoch_log::EpochLog;
pub use mix::mix_batch;
pub use smoothing::smooth_targets;
pub use swa::SwaMean;
pub use tensors::{window_tensors, Windowed};

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Reduction, Tensor};

use crate::model::{Activation, ConvNet};

/// Everything a training run needs besides the data.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub activation: Activation,
    pub max_epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub patience: usize,
    pub seed: u64,
    /// Share of training windows mixed with another window of their batch (0: the paper).
    pub mix: f64,
    /// Random equalisation and SpecAugment masks (all off: the paper).
    pub augment: Augment,
    /// Label smoothing of the training targets (0: the paper's hard targets).
    pub label_smoothing: f64,
    pub device: Device,
    /// Where the per-epoch log (CSV and JSON) is written.
    pub log_dir: PathBuf,
    /// Start from these weights (a `weights.safetensors` of the same network) instead of a
    /// random initialisation: fine-tuning, or a second phase at a lower learning rate.
    pub init_weights: Option<PathBuf>,
    /// Stochastic weight averaging: from this epoch on, the weights at the end of every epoch
    /// are averaged, early stopping is off (all `max_epochs` run) and the mean is the model.
    pub average_from: Option<usize>,
}

/// The trained network with its weights at the best validation loss (or their average).
pub struct Trained {
    pub vs: nn::VarStore,
    pub net: ConvNet,
    pub log: Vec<EpochLog>,
    pub best_epoch: usize,
    pub best_val_loss: f64,
    /// The first and last epoch whose weights were averaged, when they were.
    pub averaged: Option<(usize, usize)>,
}

fn bce(logits: &Tensor, targets: &Tensor) -> Tensor {
    logits.binary_cross_entropy_with_logits::<Tensor>(targets, None, None, Reduction::Mean)
}

/// Mean validation loss over `data`, in batches, without gradients or dropout.
fn evaluate_loss(net: &ConvNet, data: &Windowed, batch: usize, device: Device) -> f64 {
    let n = data.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut total = 0.0;
    tch::no_grad(|| {
        for start in (0..n).step_by(batch) {
            let len = batch.min(n - start);
            let x = data.x.narrow(0, start as i64, len as i64).to_device(device);
            let y = data.y.narrow(0, start as i64, len as i64).to_device(device);
            total += bce(&net.forward_t(&x, false), &y).double_value(&[]) * len as f64;
        }
    });
    total / n as f64
}

/// Trains until the validation loss has not improved for `patience` epochs (or `max_epochs`),
/// and returns the network with its best weights. Deterministic on CPU for a given seed.
///
/// From `init_weights`, the starting weights' validation loss is the one to beat (epoch 0):
/// when no epoch beats it, the starting weights come back unchanged. With `average_from`, every
/// epoch runs and the mean of the weights from that epoch on comes back instead, with its own
/// validation loss.
pub fn train(config: &TrainConfig, train: &Windowed, val: &Windowed) -> anyhow::Result<Trained> {
    anyhow::ensure!(!train.is_empty(), "no training windows");
    tch::manual_seed(config.seed as i64);
    let mut vs = nn::VarStore::new(config.device);
    let net = ConvNet::new(&vs.root(), config.activation, train.y.size()[1]);
    let (mut best_loss, mut best_epoch, mut log) = (f64::INFINITY, 0, Vec::new());
    if let Some(path) = &config.init_weights {
        vs.load(path).with_context(|| format!("loading the starting weights {}", path.display()))?;
        if !val.is_empty() {
            best_loss = evaluate_loss(&net, val, config.batch_size, config.device);
            tracing::info!(val_loss = format!("{best_loss:.4}"), "starting weights loaded");
        }
    }
    // The best weights so far live in a second store; building the same network on it creates
    // variables of the same names, which `VarStore::copy` needs.
    let copy_of_network = || {
        let store = nn::VarStore::new(config.device);
        let _net = ConvNet::new(&store.root(), config.activation, train.y.size()[1]);
        store
    };
    let mut best_vs = copy_of_network();
    best_vs.copy(&vs)?;
    // With averaging: the first epoch averaged, and the running mean.
    let mut average = config.average_from.map(|from| (from, SwaMean::new(copy_of_network())));
    let mut opt = nn::Adam::default().build(&vs, config.learning_rate)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<i64> = (0..train.len() as i64).collect();

    for epoch in 1..=config.max_epochs {
        let started = Instant::now();
        order.shuffle(&mut rng);
        let bar = ProgressBar::new(train.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} windows, {per_sec}, {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(epoch.to_string());
        let (mut sum, mut seen) = (0.0, 0usize);
        for chunk in order.chunks(config.batch_size) {
            let idx = Tensor::from_slice(chunk);
            let x = train.x.index_select(0, &idx).to_device(config.device);
            let y = train.y.index_select(0, &idx).to_device(config.device);
            let (x, y) = mix_batch(&x, &y, config.mix, &mut rng);
            let x = augment_batch(&x, &config.augment, &mut rng);
            let loss = bce(&net.forward_t(&x, true), &smooth_targets(&y, config.label_smoothing));
            opt.backward_step(&loss);
            sum += loss.double_value(&[]) * chunk.len() as f64;
            seen += chunk.len();
            bar.inc(chunk.len() as u64);
            bar.set_message(format!("loss {:.4}", sum / seen as f64));
        }
        bar.finish();
        let train_loss = sum / seen.max(1) as f64;
        let val_loss = evaluate_loss(&net, val, config.batch_size, config.device);
        let seconds = started.elapsed().as_secs_f64();
        let improved = val_loss < best_loss || (val.is_empty() && epoch == 1);
        if improved {
            best_loss = val_loss;
            best_epoch = epoch;
            best_vs.copy(&vs)?;
        }
        let entry = EpochLog {
            epoch,
            train_loss,
            val_loss,
            seconds,
            windows_per_second: train.len() as f64 / seconds,
            best: improved,
        };
        tracing::info!(
            epoch,
            train_loss = format!("{train_loss:.4}"),
            val_loss = format!("{val_loss:.4}"),
            improved,
            "epoch done"
        );
        log.push(entry);
        EpochLog::write(&log, &config.log_dir).context("writing the training log")?;
        if let Some((from, avg)) = average.as_mut() {
            if epoch >= *from {
                avg.add(&vs)?;
            }
            continue;
        }
        if epoch - best_epoch >= config.patience && !val.is_empty() {
            tracing::info!(best_epoch, "early stop: validation loss has not improved for {} epochs", config.patience);
            break;
        }
    }
    if let Some((_, avg)) = average.filter(|(_, avg)| avg.count() > 0) {
        vs.copy(avg.store())?;
        let last = log.len();
        let val_loss = evaluate_loss(&net, val, config.batch_size, config.device);
        tracing::info!(
            epochs = avg.count(),
            val_loss = format!("{val_loss:.4}"),
            best_single = format!("{best_loss:.4}"),
            "weights averaged"
        );
        let first = last + 1 - avg.count();
        return Ok(Trained { vs, net, log, best_epoch: last, best_val_loss: val_loss, averaged: Some((first, last)) });
    }
    vs.copy(&best_vs)?;
    Ok(Trained { vs, net, log, best_epoch, best_val_loss: best_loss, averaged: None })
}
