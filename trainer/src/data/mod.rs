//! Data in the IRMAS layout: listing, the grouped validation split, and log-mel features.
mod features;
mod irmas;
mod split;
mod training_data;

pub use features::{FeatureSet, Item};
pub use irmas::{
    held_out_performers, list_from_csv, list_testing, list_training, parse_training_name, read_test_labels, Material,
    TestClip, TrainingClip, TrainingName, NO_LABEL_FOLDER,
};
pub use split::grouped_split;
pub use training_data::TrainingData;
