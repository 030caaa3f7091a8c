//! What the network learned, the paper's two views (V-G): each layer's activations, max-pooled
//! per unit and embedded in 2-D with t-SNE (Fig. 6), and the strongest units of each block
//! projected back onto the input log-mel by deconvolution (Fig. 7).
mod activations;
mod deconv;
mod figures;
mod sample;
mod tsne;

pub use activations::{pooled_activations, LAYERS};
pub use deconv::{project, top_units, Projection};
pub use figures::{deconv_figure, tsne_figure};
pub use sample::balanced_windows;
pub use tsne::embed;
