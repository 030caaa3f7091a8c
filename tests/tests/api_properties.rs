//! Property tests of the live API against its own OpenAPI document with schemathesis
//! (`scripts/install-deploy-tools.sh` installs it): generated requests, valid and invalid, to
//! every operation; no answer may be a 5xx, and every answer must match the documented status
//! codes, content types, headers and schemas.
use std::process::Command;

use e2e::{repo_root, scratch_dir, test_model_dir, Server};

#[test]
#[ignore = "needs schemathesis (scripts/install-deploy-tools.sh)"]
fn schemathesis_finds_no_server_error_and_no_answer_outside_the_spec() {
    let st = repo_root().join(".cache/tools/schemathesis/bin/st");
    assert!(st.exists(), "schemathesis is missing: run scripts/install-deploy-tools.sh");
    let server = Server::start(&test_model_dir("schemathesis"), &["--api-keys", "st-key"]);
    let junit = scratch_dir("schemathesis.xml");
    let out = Command::new(st)
        .current_dir(junit.parent().expect("the scratch folder"))
        .args(["run", &server.url("/openapi.json"), "--url", &server.base])
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"])
        .args(["--max-examples", "40", "--seed", "1", "--workers", "2", "--no-color"])
        .args(["--header", "Authorization: Bearer st-key", "--generation-database", "none"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit)
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .expect("run schemathesis");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    let junit = std::fs::read_to_string(&junit).unwrap_or_default();
    assert!(junit.matches("<testcase").count() >= 5, "not every operation was tested:\n{junit}");
}
