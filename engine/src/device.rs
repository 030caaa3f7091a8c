//! Choosing the libtorch device, and the model directory (precision) served on it: the one
//! place every binary makes these choices.
use std::path::Path;

use shared::manifest::Precision;
use shared::model_dir::ModelDir;

use crate::config::{Auto, Device};
use crate::error::EngineError;

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

impl Auto<Device> {
    /// The libtorch device: `auto` is CUDA when libtorch sees a GPU, else the CPU; `cuda`
    /// without one is an error.
    pub fn resolve(self) -> Result<tch::Device, EngineError> {
        let cuda = tch::Cuda::is_available();
        match (self, cuda) {
            (Auto::Is(Device::Cpu), _) | (Auto::Auto, false) => Ok(tch::Device::Cpu),
            (Auto::Is(Device::Cuda) | Auto::Auto, true) => Ok(tch::Device::Cuda(0)),
            (Auto::Is(Device::Cuda), false) => Err(EngineError::NoCuda),
        }
    }
}

impl Device {
    /// The libtorch device (`cuda`: an error when libtorch sees none).
    pub fn resolve(self) -> Result<tch::Device, EngineError> {
        Auto::Is(self).resolve()
    }
}

/// `cpu` or `cuda:N`, as logs, metrics and `/v1/model` name a device.
pub fn describe(device: tch::Device) -> String {
    match device {
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".to_string(),
    }
}

/// The export of `dir` to serve at `precision` on `device`: `dir` itself (fp32) or its `bf16/`
/// or `int8/` export. `auto` takes bf16 only on a CPU with AMX (`amx`) where the export exists,
/// and never int8.
pub fn select_model_dir(
    dir: &Path,
    precision: Auto<Precision>,
    device: tch::Device,
    amx: bool,
) -> Result<ModelDir, EngineError> {
    let root = ModelDir::new(dir);
    let (bf16, int8) = (root.export(Precision::Bf16), root.export(Precision::Int8));
    match precision {
        Auto::Is(Precision::Int8) if device != tch::Device::Cpu => Err(EngineError::Int8OnGpu),
        Auto::Is(Precision::Int8) if int8.exists() => Ok(int8),
        Auto::Is(Precision::Int8) => Err(EngineError::NoInt8Model { path: int8.dir }),
        Auto::Is(Precision::Fp32) => Ok(root),
        Auto::Is(Precision::Bf16) if bf16.exists() => Ok(bf16),
        Auto::Is(Precision::Bf16) => Err(EngineError::NoBf16Model { path: bf16.dir }),
        Auto::Auto if bf16.exists() && device == tch::Device::Cpu && amx => Ok(bf16),
        Auto::Auto => Ok(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_always_available() {
        assert_eq!(Device::Cpu.resolve().unwrap(), tch::Device::Cpu);
    }

    #[test]
    fn precision_picks_the_bf16_export_only_where_it_pays_and_exists() {
        let dir = test_support::fresh_scratch_dir("precision-test");
        let root = ModelDir::new(&dir);
        let (bf16_dir, int8_dir) = (root.export(Precision::Bf16).dir, root.export(Precision::Int8).dir);
        std::fs::create_dir_all(&bf16_dir).unwrap();
        let (auto, fp32, bf16) = (Auto::Auto, Auto::Is(Precision::Fp32), Auto::Is(Precision::Bf16));
        let (cpu, gpu) = (tch::Device::Cpu, tch::Device::Cuda(0));
        let pick = |p, d, amx| select_model_dir(&dir, p, d, amx).map(|m| m.dir);
        // No export yet: auto serves fp32, bf16 is a startup error naming the folder.
        assert_eq!(pick(auto, cpu, true).unwrap(), dir);
        assert!(matches!(pick(bf16, cpu, true), Err(EngineError::NoBf16Model { .. })));
        std::fs::write(bf16_dir.join("manifest.json"), "{}").unwrap();
        assert_eq!(pick(auto, cpu, true).unwrap(), bf16_dir);
        assert_eq!(pick(auto, cpu, false).unwrap(), dir, "no AMX: fp32");
        assert_eq!(pick(auto, gpu, true).unwrap(), dir, "GPU: fp32 until measured");
        assert_eq!(pick(fp32, cpu, true).unwrap(), dir);
        assert_eq!(pick(bf16, gpu, false).unwrap(), bf16_dir);
        // int8 only when asked for, only on the CPU, only where the export exists.
        let int8 = Auto::Is(Precision::Int8);
        assert!(matches!(pick(int8, cpu, false), Err(EngineError::NoInt8Model { .. })));
        std::fs::create_dir_all(&int8_dir).unwrap();
        std::fs::write(int8_dir.join("manifest.json"), "{}").unwrap();
        assert_eq!(pick(int8, cpu, false).unwrap(), int8_dir);
        assert!(matches!(pick(int8, gpu, false), Err(EngineError::Int8OnGpu)));
        assert_eq!(pick(auto, cpu, false).unwrap(), dir, "auto never picks int8");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn auto_and_cuda_follow_what_libtorch_sees() {
        if tch::Cuda::is_available() {
            assert_eq!(Auto::Auto.resolve().unwrap(), tch::Device::Cuda(0));
            assert_eq!(Device::Cuda.resolve().unwrap(), tch::Device::Cuda(0));
        } else {
            assert_eq!(Auto::<Device>::Auto.resolve().unwrap(), tch::Device::Cpu);
            assert!(matches!(Device::Cuda.resolve(), Err(EngineError::NoCuda)));
        }
    }
}
