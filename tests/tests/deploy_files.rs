//! The deployment files are valid for the tools that will read them: the Dockerfile (hadolint,
//! and every path it copies exists and reaches the build context), the Compose file
//! (`docker-compose config`), Prometheus's config and alert rules (`promtool`, with rule unit
//! tests), the Kubernetes manifests (their schemas, strict) and the Grafana dashboard (its queries
//! name only metrics the server exports). Tools come from `scripts/install-deploy-tools.sh`.
use std::path::PathBuf;
use std::process::{Command, Output};

use e2e::{dashboard_queries, repo_root, scratch_dir};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (run scripts/install-deploy-tools.sh)"));
    out
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn tool(name: &str) -> PathBuf {
    repo_root().join(".cache/tools/py/bin").join(name)
}

fn py_tool(name: &str) -> Command {
    let mut c = Command::new(tool(name));
    c.env("PYTHONPATH", repo_root().join(".cache/tools/py"));
    c
}

#[test]
#[ignore = "needs hadolint (scripts/install-deploy-tools.sh)"]
fn dockerfile_passes_hadolint_and_copies_only_what_exists() {
    let root = repo_root();
    ok(Command::new(tool("hadolint")).current_dir(&root).args([
        "--config",
        "docker/.hadolint.yaml",
        "docker/Dockerfile",
    ]));
    let dockerfile = std::fs::read_to_string(root.join("docker/Dockerfile")).unwrap();
    let ignored = std::fs::read_to_string(root.join(".dockerignore")).unwrap();
    let ignored: Vec<&str> = ignored.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    // COPY from the build context (not --from another stage): every source exists.
    let mut sources = Vec::new();
    for line in dockerfile.lines().filter(|l| l.starts_with("COPY ") && !l.contains("--from")) {
        let words: Vec<&str> = line.split_whitespace().skip(1).filter(|w| !w.starts_with("--")).collect();
        sources.extend(words[..words.len() - 1].iter().map(|s| s.to_string()));
    }
    assert!(sources.contains(&"scripts/install-libtorch.sh".to_string()), "{sources:?}");
    for s in &sources {
        assert!(root.join(s).exists(), "the Dockerfile copies {s}, which is not in the repo");
    }
    // What the build stage then uses from the context must not be excluded by .dockerignore.
    for needed in [
        "models/default/model.pt",
        "models/default/manifest.json",
        "Cargo.lock",
        "server/src/main.rs",
        "build-support/libtorch_link.rs",
    ] {
        assert!(root.join(needed).exists(), "{needed} missing");
        let top = needed.split('/').next().unwrap();
        assert!(!ignored.iter().any(|i| i.trim_end_matches('/') == top), "{needed} is excluded by .dockerignore");
    }
    for needed in [
        "USER 10001",
        "HEALTHCHECK",
        "/readyz",
        "ENTRYPOINT [\"/usr/local/bin/server\"]",
        "install-libtorch.sh --cuda",
        "ARG RUNTIME_IMAGE=debian:",
        "NVIDIA_VISIBLE_DEVICES=all",
    ] {
        assert!(dockerfile.contains(needed), "the Dockerfile lacks {needed}");
    }
    // The runtime is Debian slim: the CUDA runtime comes from the wheels, the driver from the
    // NVIDIA Container Toolkit, so no multi-GB CUDA base image.
    assert!(!dockerfile.contains("nvidia/cuda"), "the Dockerfile names an nvidia/cuda image");
}

#[test]
#[ignore = "needs docker-compose (scripts/install-deploy-tools.sh)"]
fn compose_file_is_accepted_and_reserves_an_nvidia_gpu() {
    let config =
        ok(Command::new("docker-compose").current_dir(repo_root()).args(["-f", "deploy/docker-compose.yml", "config"]));
    for needed in ["driver: nvidia", "- gpu", "prom/prometheus", "grafana/grafana", "docker/Dockerfile"] {
        assert!(config.contains(needed), "compose config lacks {needed}:\n{config}");
    }
}

#[test]
#[ignore = "needs promtool (scripts/install-deploy-tools.sh)"]
fn prometheus_config_and_rules_pass_promtool() {
    let dir = repo_root().join("deploy/prometheus");
    ok(Command::new("promtool").current_dir(&dir).args(["check", "config", "prometheus.yml"]));
    ok(Command::new("promtool").current_dir(&dir).args(["check", "rules", "alerts.yml"]));
    let tested = ok(Command::new("promtool").current_dir(&dir).args(["test", "rules", "alerts_test.yml"]));
    assert!(tested.contains("SUCCESS"), "{tested}");
}

#[test]
#[ignore = "needs kubernetes-validate (scripts/install-deploy-tools.sh)"]
fn kubernetes_manifests_match_the_schemas_and_a_broken_one_does_not() {
    let dir = repo_root().join("deploy/k8s");
    let files = ["deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml", "recognize-job.yaml"];
    let out = ok(py_tool("kubernetes-validate").current_dir(&dir).arg("--strict").args(files));
    assert_eq!(out.matches("passed").count(), files.len(), "{out}");
    let deployment = std::fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    for needed in ["nvidia.com/gpu: 1", "path: /readyz", "path: /healthz", "readinessProbe", "livenessProbe"] {
        assert!(deployment.contains(needed), "deployment lacks {needed}");
    }
    let job = std::fs::read_to_string(dir.join("recognize-job.yaml")).unwrap();
    for needed in
        ["completionMode: Indexed", "--shard \"${JOB_COMPLETION_INDEX}/${SHARDS}\"", "server recognize /library"]
    {
        assert!(job.contains(needed), "the recognize job lacks {needed}");
    }
    // The validator can fail: a mistyped field is refused.
    let broken = scratch_dir("broken-deployment.yaml");
    std::fs::write(&broken, deployment.replace("replicas: 2", "replicas: two")).unwrap();
    let out = run(py_tool("kubernetes-validate").arg("--strict").arg(&broken));
    assert!(!out.status.success(), "a broken manifest passed");
    std::fs::remove_file(broken).ok();
}

/// Metric names in a PromQL expression (`instrument_server_…`), without histogram suffixes.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("instrument_server_") {
        let tail = &rest[i..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        let name = &tail[..end];
        let base = ["_bucket", "_sum", "_count"].iter().fold(name, |n, s| n.strip_suffix(s).unwrap_or(n));
        names.push(base.to_string());
        rest = &tail[end..];
    }
    names
}

#[test]
fn dashboard_queries_name_only_exported_metrics() {
    let exported = [
        "instrument_server_requests_total",
        "instrument_server_request_duration_seconds",
        "instrument_server_requests_in_flight",
        "instrument_server_queue_time_seconds",
        "instrument_server_inference_time_seconds",
        "instrument_server_batch_size_windows",
        "instrument_server_queue_depth",
        "instrument_server_audio_seconds_total",
        "instrument_server_decode_failures_total",
        "instrument_server_model_info",
    ];
    let exprs = dashboard_queries();
    assert!(exprs.len() >= 10);
    let mut used = std::collections::BTreeSet::new();
    for e in &exprs {
        for n in metric_names(e) {
            assert!(exported.contains(&n.as_str()), "the dashboard queries {n}, which the server does not export: {e}");
            used.insert(n);
        }
    }
    assert!(used.len() >= 9, "dashboard uses only {used:?}");
}
