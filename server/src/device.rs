//! Choosing the libtorch device, and the precision of the model served on it.
use std::path::{Path, PathBuf};

use tch::Device;

use crate::config::{DeviceChoice, PrecisionChoice};
use crate::error::StartupError;

/// Where a model directory keeps its bf16 export (`trainer export --precision bf16`).
pub const BF16_SUBDIR: &str = "bf16";
/// Where a model directory keeps its int8 export (`scripts/export-int8.sh`).
pub const INT8_SUBDIR: &str = "int8";

/// Whether this CPU has AMX with bfloat16 tiles (Intel Sapphire Rapids and later): where the
/// bf16 export is the faster one. Measured: 1.6–1.8× the audio of fp32 on a Xeon with AMX; on a
/// Xeon with AVX-512 BF16 but no AMX, fp32 runs 1.5–1.8× faster than bf16 once freed memory is
/// kept (`docs/perf.md`), as it does on CPUs that emulate bf16.
pub fn cpu_has_amx_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // CPUID leaf 7, sub-leaf 0: EDX bit 22 is AMX-BF16 (and leaf 7 must exist).
        #[allow(unused_unsafe)]
        // SAFETY: CPUID is available on every x86_64 CPU; leaf 7 is read only when reported.
        let edx = unsafe {
            if std::arch::x86_64::__cpuid(0).eax < 7 {
                return false;
            }
            std::arch::x86_64::__cpuid_count(7, 0).edx
        };
        edx & (1 << 22) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The directory of the model to serve: `dir` itself (fp32) or its `bf16/` or `int8/` export.
pub fn model_dir(dir: &Path, choice: PrecisionChoice, device: Device, amx: bool) -> Result<PathBuf, StartupError> {
    let bf16 = dir.join(BF16_SUBDIR);
    let has_bf16 = bf16.join("manifest.json").is_file();
    let int8 = dir.join(INT8_SUBDIR);
    match choice {
        PrecisionChoice::Int8 if device != Device::Cpu => Err(StartupError::Int8OnGpu),
        PrecisionChoice::Int8 if int8.join("manifest.json").is_file() => Ok(int8),
        PrecisionChoice::Int8 => Err(StartupError::NoInt8Model { path: int8 }),
        PrecisionChoice::Fp32 => Ok(dir.to_path_buf()),
        PrecisionChoice::Bf16 if has_bf16 => Ok(bf16),
        PrecisionChoice::Bf16 => Err(StartupError::NoBf16Model { path: bf16 }),
        PrecisionChoice::Auto if has_bf16 && device == Device::Cpu && amx => Ok(bf16),
        PrecisionChoice::Auto => Ok(dir.to_path_buf()),
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
    fn precision_picks_the_bf16_export_only_where_it_pays_and_exists() {
        let dir = std::env::temp_dir().join(format!("precision-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(BF16_SUBDIR)).unwrap();
        let (auto, fp32, bf16) = (PrecisionChoice::Auto, PrecisionChoice::Fp32, PrecisionChoice::Bf16);
        // No export yet: auto serves fp32, bf16 is a startup error naming the folder.
        assert_eq!(model_dir(&dir, auto, Device::Cpu, true).unwrap(), dir);
        assert!(matches!(model_dir(&dir, bf16, Device::Cpu, true), Err(StartupError::NoBf16Model { .. })));
        std::fs::write(dir.join(BF16_SUBDIR).join("manifest.json"), "{}").unwrap();
        assert_eq!(model_dir(&dir, auto, Device::Cpu, true).unwrap(), dir.join(BF16_SUBDIR));
        assert_eq!(model_dir(&dir, auto, Device::Cpu, false).unwrap(), dir, "no AMX: fp32");
        assert_eq!(model_dir(&dir, auto, Device::Cuda(0), true).unwrap(), dir, "GPU: fp32 until measured");
        assert_eq!(model_dir(&dir, fp32, Device::Cpu, true).unwrap(), dir);
        assert_eq!(model_dir(&dir, bf16, Device::Cuda(0), false).unwrap(), dir.join(BF16_SUBDIR));
        // int8 only when asked for, only on the CPU, only where the export exists.
        let int8 = PrecisionChoice::Int8;
        assert!(matches!(model_dir(&dir, int8, Device::Cpu, false), Err(StartupError::NoInt8Model { .. })));
        std::fs::create_dir_all(dir.join(INT8_SUBDIR)).unwrap();
        std::fs::write(dir.join(INT8_SUBDIR).join("manifest.json"), "{}").unwrap();
        assert_eq!(model_dir(&dir, int8, Device::Cpu, false).unwrap(), dir.join(INT8_SUBDIR));
        assert!(matches!(model_dir(&dir, int8, Device::Cuda(0), false), Err(StartupError::Int8OnGpu)));
        assert_eq!(model_dir(&dir, auto, Device::Cpu, false).unwrap(), dir, "auto never picks int8");
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
