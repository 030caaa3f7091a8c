//! Choosing the libtorch device.
use tch::Device;

use crate::config::DeviceChoice;
use crate::error::ServerError;

pub fn select(choice: DeviceChoice) -> Result<Device, ServerError> {
    let cuda = tch::Cuda::is_available();
    match (choice, cuda) {
        (DeviceChoice::Cpu, _) | (DeviceChoice::Auto, false) => Ok(Device::Cpu),
        (DeviceChoice::Cuda | DeviceChoice::Auto, true) => Ok(Device::Cuda(0)),
        (DeviceChoice::Cuda, false) => Err(ServerError::NoCuda),
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
    fn auto_and_cuda_follow_what_libtorch_sees() {
        if tch::Cuda::is_available() {
            assert_eq!(select(DeviceChoice::Auto).unwrap(), Device::Cuda(0));
            assert_eq!(select(DeviceChoice::Cuda).unwrap(), Device::Cuda(0));
        } else {
            assert_eq!(select(DeviceChoice::Auto).unwrap(), Device::Cpu);
            assert!(matches!(select(DeviceChoice::Cuda), Err(ServerError::NoCuda)));
        }
    }
}
