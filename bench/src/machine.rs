//! Which machine a figure comes from: the CPU's name and the features that decide which fast
//! path pays.
pub fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The CPU features that decide which fast path pays (`avx2`, `avx512f`, `avx512_bf16`,
/// `amx_tile` of /proc/cpuinfo), so figures from different machines are not confused.
pub fn cpu_flags() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags: Vec<&str> =
        info.lines().find(|l| l.starts_with("flags")).map(|l| l.split_whitespace().collect()).unwrap_or_default();
    ["avx2", "avx512f", "avx512_bf16", "amx_tile"]
        .iter()
        .map(|f| if flags.contains(f) { format!("{f} yes") } else { format!("{f} no") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The GPU libtorch sees, as `nvidia-smi` names it, or "none".
pub fn gpu_name() -> String {
    std::process::Command::new("nvidia-smi")
        .args(["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".into())
}
