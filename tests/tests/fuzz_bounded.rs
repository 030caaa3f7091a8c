//! Bounded fuzzing in the suite: `scripts/fuzz.sh` runs libFuzzer for 10,000 executions
//! on each target (the decoder + front end, and the multipart upload path), seeded from the
//! hostile corpus. Any crash, hang or memory blow-up fails the test with libFuzzer's report; the
//! input is left under `fuzz/artifacts/`.
use e2e::hostile::corpus;
use e2e::repo_root;

#[test]
#[ignore = "needs cargo-fuzz (scripts/fuzz.sh installs it)"]
fn a_few_thousand_fuzzed_uploads_find_no_crash() {
    let seeds = repo_root().join("target/fuzz-seeds");
    std::fs::create_dir_all(&seeds).unwrap();
    for c in corpus(&repo_root().join("shared/tests/fixtures")) {
        std::fs::write(seeds.join(format!("{}.bin", c.name)), &c.body).unwrap();
    }
    let runs = std::env::var("FUZZ_RUNS").unwrap_or_else(|_| "10000".into());
    let out = std::process::Command::new("bash")
        .arg(repo_root().join("scripts/fuzz.sh"))
        .env("FUZZ_SEEDS", &seeds)
        .env("RUNS", &runs)
        .env_remove("SECONDS_PER_TARGET")
        .output()
        .expect("run scripts/fuzz.sh");
    let log = String::from_utf8_lossy(&out.stderr);
    let done: Vec<&str> =
        log.lines().filter(|l| l.starts_with("Done ") || l.starts_with("stat::number_of_executed_units")).collect();
    println!("{}", done.join("\n"));
    let tail: String = log.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    assert!(out.status.success(), "fuzzing found a problem (or did not run):\n{tail}");
    // One "Done N runs" line per target: both ran to their bound.
    assert_eq!(log.lines().filter(|l| l.starts_with("Done ")).count(), 2, "{tail}");
}
