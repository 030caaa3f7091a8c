//! Choosing the libtorch device, and the precision of the model served on it.
use std::path::{Path, PathBuf};

use tch::Device;

use crate::config::{DeviceChoice, PrecisionChoice};
use crate::error::StartupError;

/// Where a model directory keeps its bf16 export (`trainer export --precision bf16`).
pub const BF16_SUBDIR: &str = "bf16";

/// Whether this CPU has bfloat16 arithmetic units (AVX-512 BF16; every CPU with AMX has it).
pub fn cpu_has_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The model directories worth serving: `dir` itself (fp32) and/or its `bf16/` export. Two
/// only for `auto` on a CPU with bfloat16 units and an export: which is faster there depends on
/// the CPU (AMX: bf16 by 1.6–1.8×; AVX-512 BF16 alone: fp32 by 1.6×, `docs/perf.md`), so the
/// engine times both at warm-up. Without the units bf16 is emulated, slowly, and not tried; on a
/// GPU it is not measured yet.
pub fn model_dirs(
    dir: &Path,
    choice: PrecisionChoice,
    device: Device,
    cpu_bf16: bool,
) -> Result<Vec<PathBuf>, StartupError> {
    let bf16 = dir.join(BF16_SUBDIR);
    let has_bf16 = bf16.join("manifest.json").is_file();
    match choice {
        PrecisionChoice::Fp32 => Ok(vec![dir.to_path_buf()]),
        PrecisionChoice::Bf16 if has_bf16 => Ok(vec![bf16]),
        PrecisionChoice::Bf16 => Err(StartupError::NoBf16Model { path: bf16 }),
        PrecisionChoice::Auto if has_bf16 && device == Device::Cpu && cpu_bf16 => Ok(vec![dir.to_path_buf(), bf16]),
        PrecisionChoice::Auto => Ok(vec![dir.to_path_buf()]),
    }
}

pub fn select(choice: DeviceChoice) -> Result<Device, StartupError> {
    let cuda = tch::Cuda::is_available();
    match (choice, cuda) {
        (DeviceChoice::Cpu, _) | (DeviceChoice::Auto, false) => Ok(Device::Cpu),
        (DeviceChoice::Cuda | DeviceChoice::Auto, true) => Ok(Device::Cuda(0)),
        (DeviceChoice::Cuda, false) => Err(StartupError::NoCuda),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_always_available() {
        assert_eq!(select(DeviceChoice::Cpu).unwrap(), Device::Cpu);
    }

    #[test]
    fn precision_auto_tries_the_bf16_export_only_where_it_can_pay_and_exists() {
        let dir = std::env::temp_dir().join(format!("precision-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(BF16_SUBDIR)).unwrap();
        let (auto, fp32, bf16) = (PrecisionChoice::Auto, PrecisionChoice::Fp32, PrecisionChoice::Bf16);
        let half = dir.join(BF16_SUBDIR);
        // No export yet: auto serves fp32, bf16 is a startup error naming the folder.
        assert_eq!(model_dirs(&dir, auto, Device::Cpu, true).unwrap(), [dir.clone()]);
        assert!(matches!(model_dirs(&dir, bf16, Device::Cpu, true), Err(StartupError::NoBf16Model { .. })));
        std::fs::write(half.join("manifest.json"), "{}").unwrap();
        assert_eq!(model_dirs(&dir, auto, Device::Cpu, true).unwrap(), [dir.clone(), half.clone()], "both timed");
        assert_eq!(model_dirs(&dir, auto, Device::Cpu, false).unwrap(), [dir.clone()], "no bf16 units: fp32");
        assert_eq!(model_dirs(&dir, auto, Device::Cuda(0), true).unwrap(), [dir.clone()], "GPU: fp32 until measured");
        assert_eq!(model_dirs(&dir, fp32, Device::Cpu, true).unwrap(), [dir.clone()]);
        assert_eq!(model_dirs(&dir, bf16, Device::Cuda(0), false).unwrap(), [half]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn auto_and_cuda_follow_what_libtorch_sees() {
        if tch::Cuda::is_available() {
            assert_eq!(select(DeviceChoice::Auto).unwrap(), Device::Cuda(0));
            assert_eq!(select(DeviceChoice::Cuda).unwrap(), Device::Cuda(0));
        } else {
            assert_eq!(select(DeviceChoice::Auto).unwrap(), Device::Cpu);
            assert!(matches!(select(DeviceChoice::Cuda), Err(StartupError::NoCuda)));
        }
    }
}
