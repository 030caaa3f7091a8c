//! With freed memory retained, a big block freed and asked for again is not faulted in again.
//! Its own harness-free binary: the allocator is set on the main thread before any other thread
//! exists, as the server does at startup (a test thread of libtest's may already have an arena of
//! its own, which keeps glibc's defaults).

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn main() {
    /// Minor page faults of the calling thread so far.
    fn minor_faults() -> i64 {
        // SAFETY: getrusage writes one rusage struct into the zeroed one it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) }, 0);
        usage.ru_minflt
    }
    fn touch(megabytes: usize) -> i64 {
        let before = minor_faults();
        let block = vec![1u8; megabytes << 20];
        std::hint::black_box(&block);
        minor_faults() - before
    }
    // `cargo test` runs this binary with no arguments, `cargo bench` (`--bench`) too: both check.
    assert!(shared::memory::retain_freed_memory());
    // 48 MiB is above glibc's largest mmap threshold: by default every such block is a fresh
    // mapping whose 12,288 pages fault in as it is written.
    let first = touch(48);
    let again = touch(48);
    assert!(first > 10_000, "the first 48 MiB faulted in only {first} pages");
    assert!(again < first / 10, "the second 48 MiB faulted in {again} pages, the first {first}");
    println!(
        "test a_big_block_freed_and_asked_for_again_is_not_faulted_in_again ... ok ({first} faults, then {again})"
    );
    println!("\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {}
