//! A real scrape: Debian's Prometheus server scrapes the real `server` on loopback with the
//! project's alert rules loaded; after some requests, the series are in Prometheus and every query
//! of the Grafana dashboard returns data.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{dashboard_queries, free_port, http_agent, real_dev_dir, repo_root, scratch_dir, test_model_dir, Server};
use serde_json::Value;

struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn query(base: &str, q: &str) -> Value {
    let mut r = http_agent().get(format!("{base}/api/v1/query")).query("query", q).call().unwrap();
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
#[ignore = "needs prometheus (scripts/install-deploy-tools.sh)"]
fn prometheus_scrapes_the_server_and_the_dashboard_queries_return_data() {
    let server = Server::start(&test_model_dir("prometheus-scrape"), &[]);
    let target = server.base.trim_start_matches("http://").to_string();
    let dir = scratch_dir("prometheus-scrape");
    std::fs::create_dir_all(&dir).unwrap();
    let rules = repo_root().join("deploy/prometheus/alerts.yml");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: instrument-server\n    static_configs:\n      - targets: [\"{target}\"]\n",
        rules.display()
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _prometheus = Prometheus(
        Command::new("prometheus")
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus (scripts/install-deploy-tools.sh installs it)"),
    );

    // Prometheus is up and has scraped the server once before the traffic starts, so rates over
    // the traffic have samples on both sides.
    let started = Instant::now();
    loop {
        let up =
            http_agent().get(format!("{base}/api/v1/query")).query("query", r#"up{job="instrument-server"}"#).call();
        let scraped =
            up.ok().and_then(|mut r| r.body_mut().read_to_string().ok()).is_some_and(|t| t.contains(r#""value":["#));
        if scraped {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "Prometheus did not start scraping");
        std::thread::sleep(Duration::from_millis(300));
    }

    // Traffic: successes, a client error and a decode failure, spread over a few scrapes.
    let wav = std::fs::read(real_dev_dir().join("phenicx_anechoic__cello.wav")).unwrap();
    let agent = http_agent();
    for i in 0..8 {
        let r = agent.post(server.url("/v1/recognize")).header("content-type", "audio/wav").send(&wav[..]).unwrap();
        assert_eq!(r.status().as_u16(), 200);
        if i % 4 == 0 {
            let r = agent.post(server.url("/v1/recognize")).send(&wav[..wav.len() / 50]).unwrap();
            assert_eq!(r.status().as_u16(), 400);
        }
        std::thread::sleep(Duration::from_millis(600));
    }

    // The series arrive.
    let started = Instant::now();
    loop {
        let v = query(&base, r#"instrument_server_requests_total{route="/v1/recognize",status="200"}"#);
        let got = v["data"]["result"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(|s| s["value"][1].as_str())
            .map(str::to_string);
        if got.as_deref() == Some("8") {
            // Two more scrapes, so every rate has samples after the last request too.
            std::thread::sleep(Duration::from_secs(2));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "Prometheus never saw the 8 requests: {v}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let up = query(&base, r#"up{job="instrument-server"}"#);
    assert_eq!(up["data"]["result"][0]["value"][1], "1", "{up}");
    // The rules loaded.
    let mut r = agent.get(format!("{base}/api/v1/rules")).call().unwrap();
    let rules: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(rules["data"]["groups"][0]["rules"].as_array().map_or(0, Vec::len), 4, "{rules}");

    // Every query of the dashboard returns data.
    for q in dashboard_queries() {
        let v = query(&base, &q);
        assert_eq!(v["status"], "success", "{q}: {v}");
        let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
        assert!(!result.is_empty(), "the dashboard query returns no data: {q}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
