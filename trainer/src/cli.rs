//! Command-line arguments of every `trainer` subcommand.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use engine::{Auto, Device, Precision};
use shared::aggregate::Aggregation;
use trainer::model::Activation;

#[derive(Debug, Parser)]
#[command(name = "trainer", version, about = "Train, evaluate and export the instrument-recognition ConvNet")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the log-mel spectrogram of an audio file (frames × 128, float32) as .npy, so it can be
    /// compared with any other implementation.
    Features(FeaturesArgs),
    /// Train the ConvNet on IRMAS-layout data and export it (model.pt + manifest.json).
    Train(TrainArgs),
    /// Evaluate an exported model on IRMAS-layout test data (wav + txt labels).
    Evaluate(EvaluateArgs),
    /// Render an IRMAS-like corpus from General MIDI sample banks (training and held-out test
    /// timbres).
    Synth(SynthArgs),
    /// Choose a global and per-label thresholds on the model's validation split and write them
    /// into its manifest.
    Calibrate(CalibrateArgs),
    /// What each layer learned (paper Fig. 6): per-unit maxima of the activations of six layers
    /// for a balanced sample of training and of validation windows, embedded with t-SNE.
    Tsne(TsneArgs),
    /// Where the strongest units of each block listen (paper Fig. 7): their deconvolution onto
    /// the log-mel of a 3-s excerpt.
    Deconv(DeconvArgs),
    /// Compare evaluated runs side by side (the paper's Tables IV/V and Figs. 4/5): a Markdown
    /// table of F1 at S2 θ 0.5 and at each aggregation's best threshold, F1 against the S2
    /// threshold per run, and F1 per label per run.
    Compare(CompareArgs),
    /// Export a trained model again at another precision (`bf16`: about twice the matrix
    /// throughput on CPUs with AMX / AVX-512 BF16 and on GPUs), into a new model directory; or
    /// add the strip module to a model directory (`--add-strip`).
    Export(ExportArgs),
    /// Average the weights of models fine-tuned from one starting model (a "model soup"): the
    /// mean of every weight, exported at fp32 with the last model's manifest.
    Average(AverageArgs),
    /// Build the isolated-note check: recordings of the performers the training split holds out
    /// of `--real-instruments`, each played alone as the pack has it (one held note; a sung
    /// phrase for voice, which has no notes), at most `--per-label` per label; writes
    /// `labels.csv` for `trainer evaluate`, whose report gives the share ranked right first.
    Notes(NotesArgs),
    /// Build the visible negative check: clips in which none of the labels plays (drum kits,
    /// bass lines and programs outside the labels of the held-out banks; made silence, hiss,
    /// noise, hum, clicks and room tone at several levels); writes the audio and `labels.csv`
    /// (empty labels) for `trainer evaluate`, whose report gives the share answered with no
    /// label and the false labels per clip.
    Negatives(NegativesArgs),
    /// Build the voice-over-accompaniment check: every phrase of the held-out MIR-1K singers
    /// mixed with its own accompaniment at the recording's balance (the sum, as MIR-1K's
    /// mixtures are); writes the audio and `labels.csv` (voice) for `trainer evaluate`.
    Sung(SungArgs),
    /// Run an experiment table (`experiments/*.toml`): render the corpora and train the runs the
    /// work folder lacks, evaluate the runs on the table's visible sets, keep the evaluations in
    /// its `results`, compare the runs clip by clip, and publish the default model where the
    /// table says so (`experiments/default-model.toml`).
    Experiment(ExperimentArgs),
}

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// The experiment table (format: experiments/README.md).
    pub recipe: PathBuf,
    /// Make and evaluate only this run (repeatable); the others join the comparisons from what
    /// `results` keeps. Default: every run the table evaluates.
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Take run NAME to be the model folder DIR instead of making it (repeatable): a recipe then
    /// starts from a kept phase, e.g. `--given phase3=.cache/models/irmas-real-v6`.
    #[arg(long, value_name = "NAME=DIR")]
    pub given: Vec<String>,
    /// Make run NAME and what it needs, print its folder and its model.pt's sha256, and stop
    /// (no evaluation, comparison or publishing).
    #[arg(long, value_name = "NAME")]
    pub until: Option<String>,
    /// Render corpus NAME unless the work folder has it, print its folder, and stop.
    #[arg(long, value_name = "NAME", conflicts_with = "until")]
    pub corpus: Option<String>,
    /// Where the networks run, as each subcommand's `--device`: `auto` (default: CUDA when
    /// libtorch sees a GPU), `cpu` or `cuda`.
    #[arg(long, default_value = "auto")]
    pub device: String,
}

#[derive(Debug, Args)]
pub struct SungArgs {
    /// The real-recordings pack (`samples.csv` and its audio).
    #[arg(long, default_value = "../shared/data/real-instruments")]
    pub real_instruments: PathBuf,
    /// Where the mixtures and `labels.csv` go.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct NegativesArgs {
    /// Where the clips and `labels.csv` go.
    #[arg(long)]
    pub out: PathBuf,
    /// SoundFont(s) the rendered clips are played with; never a training bank, so the check
    /// hears kits and programs the model never trained on. Default: the two held-out banks.
    #[arg(long, default_values = ["/usr/share/sounds/sf2/TimGM6mb.sf2", "/usr/share/sounds/sf2/sf_GMbank.sf2"])]
    pub bank: Vec<PathBuf>,
    /// Rendered clips (drums, bass, drums with bass, other programs), besides the made ones.
    #[arg(long, default_value_t = 80)]
    pub rendered: usize,
    /// Seconds per clip.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 11)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct NotesArgs {
    /// The real-recordings pack (`samples.csv` and its audio).
    #[arg(long, default_value = "../shared/data/real-instruments")]
    pub real_instruments: PathBuf,
    /// Where `labels.csv` goes.
    #[arg(long)]
    pub out: PathBuf,
    /// Recordings per label (fewer where the held-out performer has fewer).
    #[arg(long, default_value_t = 15)]
    pub per_label: usize,
    /// Shortest recording taken while enough longer ones remain, in seconds: a held note, not a
    /// pluck or a staccato. Default 1.0.
    #[arg(long, default_value_t = 1.0)]
    pub min_seconds: f64,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model directory to read (manifest.json + weights.safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// Where to write the new model directory.
    #[arg(long, required_unless_present = "add_strip")]
    pub out: Option<PathBuf>,
    /// Instead: add `strip.pt` (the network over frames that overlapping windows share, which
    /// the server runs instead of `model.pt` where it saves work) to `--model` itself, for a model
    /// exported before it existed; `model.pt` and its recorded metrics stay as they are.
    #[arg(long, conflicts_with_all = ["out", "precision"])]
    pub add_strip: bool,
    /// Arithmetic of the exported network: fp32 or bf16 (int8 comes from
    /// `scripts/export-int8.sh`). Input and output stay float32.
    #[arg(long, value_enum, default_value_t = Precision::Bf16)]
    pub precision: Precision,
    /// Where the network is re-traced: `cpu` or `cuda`. Default `cpu`: a module traced on the CPU
    /// loads on any device, one traced on CUDA only where CUDA is.
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    pub device: Device,
}

#[derive(Debug, Args)]
pub struct AverageArgs {
    /// A model directory (manifest.json + weights.safetensors), at least two; the same network
    /// (activation, labels) each, best fine-tuned from one model: weights that trained apart
    /// from different starts do not average into a working network.
    #[arg(long = "model", required = true, num_args = 1)]
    pub models: Vec<PathBuf>,
    /// Where to write the averaged model directory.
    #[arg(long)]
    pub out: PathBuf,
    /// The new model's id (default: the last model's).
    #[arg(long)]
    pub model_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A run as NAME=DIR, repeatable, in table order: DIR holds `model/manifest.json` and
    /// `<SPLIT>/evaluation.json` (what `scripts/experiments.sh` keeps).
    #[arg(long = "run", value_name = "NAME=DIR", required = true)]
    pub runs: Vec<String>,
    /// Caption of the table and the figures.
    #[arg(long)]
    pub title: String,
    /// Output prefix: writes PREFIX.md, PREFIX-threshold.png and PREFIX-per-label.png.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Which evaluation of each run: `DIR/<SPLIT>/evaluation.json` (`test`: the held-out-timbre
    /// split; `real-dev` where the run was also evaluated on the real recordings).
    #[arg(long, default_value = "test")]
    pub split: String,
}

#[derive(Debug, Args)]
pub struct TsneArgs {
    /// Model directory (manifest.json + weights.safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// The training data the model was trained on (default: the manifest's `training.data`);
    /// the manifest's seed and validation fraction give back its training/validation split.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Output folder (tsne-train.png, tsne-validation.png, tsne.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Windows per label and split: more show the structure better; t-SNE time grows as n log n.
    #[arg(long, default_value_t = 40)]
    pub per_label: usize,
    /// t-SNE perplexity (lowered to what the number of points allows).
    #[arg(long, default_value_t = 30.0)]
    pub perplexity: f32,
    /// t-SNE iterations.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Seed of the sample and of the t-SNE start: one seed, one picture.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub device: DeviceOpt,
    #[command(flatten)]
    pub cache: CacheOpt,
}

#[derive(Debug, Args)]
pub struct DeconvArgs {
    /// Model directory (manifest.json + weights.safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// The audio file (any format the server reads).
    #[arg(long)]
    pub input: PathBuf,
    /// Output folder (deconv.png, deconv.json).
    #[arg(long)]
    pub out: PathBuf,
    /// Start of the excerpt in seconds.
    #[arg(long, default_value_t = 0.0)]
    pub start: f64,
    /// Length of the excerpt in seconds (the paper shows 3 s).
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Units shown per block (the most activated first).
    #[arg(long, default_value_t = 2)]
    pub units: usize,
    #[command(flatten)]
    pub device: DeviceOpt,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder (gets IRMAS-TrainingData/, IRMAS-TestingData/ and corpus.json).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hours of training audio (3-s excerpts, three per song, labels taking turns).
    #[arg(long, default_value_t = 1.0)]
    pub hours: f64,
    /// Test clips (5–20 s, 1–3 labels); default: one per 5 training songs, at least 22.
    #[arg(long)]
    pub test_clips: Option<usize>,
    /// SoundFont(s) (SF2) of the training split, repeatable; songs take turns through them.
    /// More banks mean more timbres per instrument and better generalisation to unseen ones.
    #[arg(long, default_value = "/usr/share/sounds/sf2/FluidR3_GM.sf2")]
    pub train_bank: Vec<PathBuf>,
    /// SoundFont(s) of the test split: timbres the model never hears in training.
    #[arg(long, default_value = "/usr/share/sounds/sf2/TimGM6mb.sf2")]
    pub test_bank: Vec<PathBuf>,
    /// Sample rate of the rendered files.
    #[arg(long, default_value_t = 22_050)]
    pub sample_rate: u32,
    /// Real recordings to play leads with: a folder with `samples.csv` and its audio (the
    /// project's is `../shared/data/real-instruments`). Decoded into memory once (~1.4 GB).
    #[arg(long)]
    pub real_instruments: Option<PathBuf>,
    /// Share (0–1) of training songs whose lead is played by the real recordings instead of the
    /// training banks; the accompaniment stays rendered. 0 is the General MIDI corpus alone;
    /// real leads teach the timbres of real instruments, rendered ones keep the corpus varied.
    #[arg(long, default_value_t = 0.5)]
    pub real_share: f64,
    /// Share (0–1) of training songs rendered as sparse real material instead (with
    /// `--real-instruments`): in each 3-s excerpt one held note or two or three notes with
    /// silences between, or a solo phrase for voice, no accompaniment. Default 0 (songs only):
    /// songs alone never teach what a lone sustained tone sounds like.
    #[arg(long, default_value_t = 0.0)]
    pub sparse_share: f64,
    /// Share (0–1) of those sparse songs played by the training banks instead of recorded notes:
    /// the label's General MIDI programs holding notes alone. Default 0 (every sparse song
    /// recorded); above it, lone held tones of more makers than the pack's one recording chain of
    /// flute, trumpet, clarinet or cello, and organ stops and guitars it lacks, at the cost of
    /// fewer recorded ones.
    #[arg(long, default_value_t = 0.0)]
    pub sparse_rendered_share: f64,
    /// Share (0–1) of accompanied training songs whose backing (chords or arpeggios, half of the
    /// bass lines) is played by the real recordings (with `--real-instruments`; drums stay
    /// General MIDI). Default 0 (every backing rendered): then a real
    /// timbre always means the lead to the network; 1 makes every accompanied song's backing
    /// real, and the training banks are heard only as leads.
    #[arg(long, default_value_t = 0.0)]
    pub real_backing_share: f64,
    /// Negative songs per training song (0 or more), written to `IRMAS-TrainingData/none/` with
    /// all-zero targets: drum kits and bass lines of the training banks alone, their programs
    /// outside the labels, noises, hum, clicks, room tone, and with `--real-negatives` real
    /// recordings of drums and everyday sounds. Default 0 (no negatives): the network then
    /// never hears a window without one of the labels and names instruments in noise and drums.
    #[arg(long, default_value_t = 0.0)]
    pub negative_share: f64,
    /// The real negatives pack (`samples.csv` + audio; the project's is
    /// `../shared/data/real-negatives`) that negative songs draw recordings from.
    #[arg(long)]
    pub real_negatives: Option<PathBuf>,
    /// How often a kind of negative song is drawn, `KIND=WEIGHT` (repeatable; kinds: drums 5,
    /// bass 2, drums-bass 3, other-program 4, noise 2, hum 1, clicks 1, room-tone 1, recorded 6
    /// by default, each relative to the sum). Default: those weights. More weight on the kinds
    /// the model still names instruments in (bass, programs outside the labels) teaches them
    /// harder, at the cost of fewer of the others in the same corpus size.
    #[arg(long)]
    pub negative_weight: Vec<trainer::synth::negatives::KindWeight>,
    /// Share (0–1) of training excerpts (leads, sparse notes and negatives alike) heard through
    /// a random equaliser: shelves and a bell of ±10 dB. Default 0 (each excerpt as its bank or
    /// recording chain coloured it); above it the network hears each timbre in more colours,
    /// as other banks, microphones and rooms give them, at the cost of some excerpts in colours
    /// no recording has.
    #[arg(long, default_value_t = 0.0)]
    pub eq_share: f64,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Model directory (model.pt + manifest.json); its manifest is updated in place.
    #[arg(long)]
    pub model: PathBuf,
    /// The training data the model was trained on (default: the manifest's `training.data`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Only record the calibrated thresholds and their validation F1 in the manifest's metrics
    /// (`calibrated_threshold_*`) and keep serving the manifest's own (S2: the paper's 0.5).
    /// Thresholds fitted on a validation split of the training timbres can be too confident for
    /// unseen ones; this keeps them as information.
    #[arg(long)]
    pub record_only: bool,
    #[command(flatten)]
    pub device: DeviceOpt,
    #[command(flatten)]
    pub cache: CacheOpt,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// The audio file (WAV, FLAC, MP3, Ogg Vorbis, AAC/M4A).
    pub input: PathBuf,
    /// Where to write the spectrogram (.npy, float32, frames × mel bands).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the 22,050 Hz peak-normalised mono signal the spectrogram was computed from.
    #[arg(long)]
    pub signal_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data: `IRMAS-TrainingData/<label>/*.wav`, or the folder that contains it.
    #[arg(long)]
    pub data: PathBuf,
    /// Output model directory (model.pt, weights.safetensors, manifest.json, training log).
    #[arg(long)]
    pub out: PathBuf,
    /// Window length in seconds (the paper compares 0.5, 1.0, 1.5 and 3.0).
    #[arg(long, default_value_t = 1.0)]
    pub window: f64,
    /// tanh, relu, prelu or lrelu:ALPHA.
    #[arg(long, default_value = "lrelu:0.33")]
    pub activation: Activation,
    /// Maximum number of epochs (early stopping usually ends sooner).
    #[arg(long, default_value_t = 100)]
    pub epochs: usize,
    /// Windows per batch.
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 0.001)]
    pub lr: f64,
    /// Epochs without a better validation loss before stopping.
    #[arg(long, default_value_t = 2)]
    pub patience: usize,
    /// Share of recordings held out for validation (grouped by recording).
    #[arg(long, default_value_t = 0.15)]
    pub val_fraction: f64,
    /// Seed of the initialisation, the split and the batch order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Mixing augmentation: the share (0–1) of training windows summed with another window of
    /// their batch and given both labels. 0 is the paper's recipe; mixing teaches the
    /// multi-instrument sound of real test excerpts at no extra cost per epoch.
    #[arg(long, default_value_t = 0.0)]
    pub mix: f64,
    /// Random equalisation: each training window's spectrum is tilted and curved by a smooth
    /// random curve with a peak of up to this many dB. 0 is the paper's recipe; more teaches
    /// timbres the sample banks lack (other instruments, microphones, rooms) but blurs the
    /// spectral shape that tells instruments apart.
    #[arg(long, default_value_t = 0.0)]
    pub eq_db: f64,
    /// SpecAugment frequency mask: one band of up to this many mel bands per training window is
    /// set to the window's mean. 0 (the paper) is off.
    #[arg(long, default_value_t = 0)]
    pub freq_mask: usize,
    /// SpecAugment time mask: one stretch of up to this many frames (23 ms each) per training
    /// window is set to the window's mean. 0 (the paper) is off.
    #[arg(long, default_value_t = 0)]
    pub time_mask: usize,
    /// Label smoothing: every training target is pulled this far towards ½ (present labels
    /// learn `1 − ε/2`, absent ones `ε/2`). 0 (the paper) is off; more bounds the logits the
    /// training performers can drive up, at the cost of less confident scores. Below 0.5.
    #[arg(long, default_value_t = 0.0)]
    pub label_smoothing: f64,
    #[command(flatten)]
    pub device: DeviceOpt,
    /// Where decoded log-mel features are cached between runs.
    #[command(flatten)]
    pub cache: CacheOpt,
    /// Identifier of the model in its manifest (default: the output folder's name).
    #[arg(long)]
    pub model_id: Option<String>,
    /// Start from the weights of this model folder (its `weights.safetensors`; same activation
    /// and window) instead of a random initialisation: fine-tuning on new data, or a second
    /// phase at a lower `--lr` once the first has stopped improving. The starting weights'
    /// validation loss is the one to beat, so a run that never beats it returns them unchanged
    /// (with `--average-from` the mean is returned whatever its loss).
    #[arg(long)]
    pub init_from: Option<PathBuf>,
    /// Stochastic weight averaging: from this epoch on, average the weights at the end of every
    /// epoch and export the mean. Early stopping is then off, so all `--epochs` run (set it to
    /// the length wanted). Off by default (the paper keeps the best epoch); the mean of a plateau's
    /// epochs tends to generalise better than its noisiest best point, at the cost of running
    /// every epoch.
    #[arg(long)]
    pub average_from: Option<usize>,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Model directory (model.pt + manifest.json).
    #[arg(long)]
    pub model: PathBuf,
    /// Test data: a folder of `*.wav` files each with a `.txt` of labels (searched
    /// recursively), or a labels table `.csv` (`file,labels` with labels joined by `;`, as
    /// `../shared/eval/real-dev/labels.csv`).
    #[arg(long)]
    pub data: PathBuf,
    /// Aggregation of window outputs (default: the manifest's).
    #[arg(long)]
    pub aggregation: Option<Aggregation>,
    /// Global threshold (default: the manifest's per-label thresholds, else its global one).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// The evidence a label needs besides its score (default: the manifest's `evidence_floor`,
    /// else 0).
    #[arg(long)]
    pub evidence_floor: Option<f32>,
    /// Windows whose RMS level before normalisation is below this many dBFS are silent and not
    /// scored, as the server's `--audible-floor-dbfs` (default −60, the server's default).
    #[arg(long, default_value_t = shared::frontend::DEFAULT_AUDIBLE_FLOOR_DBFS, allow_hyphen_values = true)]
    pub audible_floor_dbfs: f32,
    /// Where to write evaluation.json and evaluation.md (default: the model directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also record micro/macro F1 and LRAP in the model's manifest as `NAME_micro_f1`,
    /// `NAME_macro_f1` and `NAME_lrap` (training.metrics), so the manifest carries the numbers
    /// a fresh run of this command reproduces.
    #[arg(long, value_name = "NAME")]
    pub record: Option<String>,
    #[command(flatten)]
    pub device: DeviceOpt,
    #[command(flatten)]
    pub cache: CacheOpt,
}

/// `--device`, shared by the subcommands that run the network.
#[derive(Debug, Clone, Copy, Args)]
pub struct DeviceOpt {
    /// Where the network runs: `auto`, `cpu` or `cuda`. Default `auto`: CUDA when libtorch sees
    /// a GPU, else the CPU; `cuda` makes a missing GPU an error instead of a slow CPU run.
    #[arg(long = "device", default_value = "auto")]
    pub choice: Auto<Device>,
}

impl DeviceOpt {
    pub fn resolve(self) -> anyhow::Result<tch::Device> {
        Ok(self.choice.resolve()?)
    }
}

/// `--cache-dir`, shared by the subcommands that decode audio.
#[derive(Debug, Clone, Args)]
pub struct CacheOpt {
    /// Where decoded log-mel features are cached between runs (keyed by file, size, mtime and
    /// front end, so a changed file is decoded again). Default `.cache/features`.
    #[arg(long = "cache-dir", default_value = ".cache/features")]
    pub dir: PathBuf,
}
