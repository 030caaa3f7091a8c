//! How the process's C allocator hands back big buffers, which decides how fast libtorch runs.
//!
//! libtorch allocates every activation of a forward pass afresh (a batch of 16 windows makes
//! 12 MiB maps in the first block; 64 make 51 MiB). glibc serves blocks above its mmap threshold
//! (128 KiB, rising to at most 32 MiB) with fresh `mmap`s, returns the top of its main heap to
//! the system past its trim threshold, and shrinks the heaps of other threads' arenas (the
//! model runs on its own thread) as they empty, so each pass page-faults its activations in again
//! and the kernel zeroes them. Measured on a 2-core Xeon (a bare TorchScript loop, and the
//! server's minor faults from /proc/PID/stat under `perf load` at 4 clients): the fp32 model ran
//! 310 windows/s at batch 16 and 240 at 64 that way, 440 at both with freed memory kept; the
//! server took a million minor page faults in 10 s, 124 with it. `bench/run.sh` shows the
//! effect on throughput (docs/perf.md); `shared/tests/retained_memory.rs`, on the faults.
//!
//! [`retain_freed_memory`] makes glibc serve every block from one heap (a single arena, no
//! `mmap`ed blocks) and keep what is freed for the next pass. The trade-offs: the resident size
//! stays at its peak (the largest batch and upload seen) instead of shrinking between requests,
//! and threads share one arena's lock for what their thread caches do not hold.

/// Sets glibc's allocator to keep freed memory (one arena, no `mmap`ed blocks, no trimming) and
/// returns whether it could; `false` where the C library is not glibc (musl, macOS), which keeps
/// its own behaviour. Call it before starting threads: those that already have an arena keep it.
pub fn retain_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator parameters; it is thread-safe and takes effect
        // for later allocations. Each call returns 1 on success.
        let no_mmap = unsafe { libc::mallopt(libc::M_MMAP_MAX, 0) };
        // SAFETY: as above.
        let no_trim = unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) };
        // SAFETY: as above.
        let one_arena = unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
        no_mmap == 1 && no_trim == 1 && one_arena == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
