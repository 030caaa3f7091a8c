//! The per-epoch training log, written as CSV and JSON after every epoch.
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: f64,
    pub seconds: f64,
    pub windows_per_second: f64,
    /// Whether this epoch's weights were the best so far (and kept).
    pub best: bool,
}

impl EpochLog {
    pub fn write(log: &[EpochLog], dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut csv = String::from("epoch,train_loss,val_loss,seconds,windows_per_second,best\n");
        for e in log {
            csv += &format!(
                "{},{:.6},{:.6},{:.2},{:.1},{}\n",
                e.epoch, e.train_loss, e.val_loss, e.seconds, e.windows_per_second, e.best
            );
        }
        std::fs::write(dir.join("training_log.csv"), csv)?;
        std::fs::write(dir.join("training_log.json"), serde_json::to_string_pretty(log)? + "\n")?;
        Ok(())
    }
}
