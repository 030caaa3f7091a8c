//! Prometheus metrics of the server, in one registry served at `GET /metrics`. Every name starts
//! with `instrument_server_`; the Grafana dashboard and alert rules in `deploy/` read these.
use prometheus::{
    exponential_buckets, Counter, Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

const PREFIX: &str = "instrument_server";

/// Handles to every metric; cloned cheaply (each is an `Arc` inside).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests answered, by route (the matched path), method and status code.
    pub requests: IntCounterVec,
    /// Time from the request's arrival to its answer, by route.
    pub request_duration: HistogramVec,
    /// Requests being handled now.
    pub in_flight: IntGauge,
    /// Time a request's windows waited in the batching queue before their batch ran.
    pub queue_time: Histogram,
    /// Time the model took for one batch.
    pub inference_time: Histogram,
    /// Windows per batch run by the model.
    pub batch_size: Histogram,
    /// Requests waiting in the batching queue.
    pub queue_depth: IntGauge,
    /// Requests whose client left before their batch ran: their windows were never run.
    pub cancelled: IntCounter,
    /// Seconds of audio recognised.
    pub audio_seconds: Counter,
    /// Uploads that could not be decoded, by error kind (`truncated`, `unknown_format`…).
    pub decode_failures: IntCounterVec,
    /// Always 1, labelled with the served model's id and the device it runs on.
    pub model_info: IntGaugeVec,
    /// Windows per forward pass (tuned at warm-up, or `--chunk-size`).
    pub chunk_size: IntGauge,
    /// TCP connections being served.
    pub connections_open: IntGauge,
    /// Connections answered 503 and closed because `--max-connections` were open.
    pub connections_refused: IntCounter,
    /// Connections closed for sending no request head within `--header-timeout-s` (idle
    /// keep-alive connections included).
    pub header_timeouts: IntCounter,
    /// Live streams (`/v1/stream`) open.
    pub streams_open: IntGauge,
    /// Windows answered on live streams.
    pub stream_windows: IntCounter,
    /// Live streams closed, by reason (`done`, `client_gone`, or the `error_type`).
    pub stream_closes: IntCounterVec,
    /// From the arrival of the message that completes a window to its window message leaving.
    pub stream_window_latency: Histogram,
}

fn name(n: &str) -> String {
    format!("{PREFIX}_{n}")
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let latency = exponential_buckets(0.001, 2.0, 16)?; // 1 ms … 33 s
        let m = Self {
            requests: IntCounterVec::new(
                Opts::new(name("requests_total"), "HTTP requests answered"),
                &["route", "method", "status"],
            )?,
            request_duration: HistogramVec::new(
                HistogramOpts::new(name("request_duration_seconds"), "HTTP request duration").buckets(latency.clone()),
                &["route"],
            )?,
            in_flight: IntGauge::new(name("requests_in_flight"), "HTTP requests being handled")?,
            queue_time: Histogram::with_opts(
                HistogramOpts::new(name("queue_time_seconds"), "Time windows waited in the batching queue")
                    .buckets(latency.clone()),
            )?,
            inference_time: Histogram::with_opts(
                HistogramOpts::new(name("inference_time_seconds"), "Model time per batch").buckets(latency),
            )?,
            batch_size: Histogram::with_opts(
                HistogramOpts::new(name("batch_size_windows"), "Windows per model batch")
                    .buckets(exponential_buckets(1.0, 2.0, 10)?),
            )?,
            queue_depth: IntGauge::new(name("queue_depth"), "Requests waiting in the batching queue")?,
            cancelled: IntCounter::new(
                name("cancelled_requests_total"),
                "Requests dropped from the queue because their client left",
            )?,
            audio_seconds: Counter::new(name("audio_seconds_total"), "Seconds of audio recognised")?,
            decode_failures: IntCounterVec::new(
                Opts::new(name("decode_failures_total"), "Uploads that could not be decoded, by kind"),
                &["kind"],
            )?,
            model_info: IntGaugeVec::new(
                Opts::new(name("model_info"), "The served model (always 1)"),
                &["model_id", "device"],
            )?,
            chunk_size: IntGauge::new(
                name("model_chunk_size_windows"),
                "Windows per forward pass (tuned at warm-up, or --chunk-size)",
            )?,
            connections_open: IntGauge::new(name("connections_open"), "TCP connections being served")?,
            connections_refused: IntCounter::new(
                name("connections_refused_total"),
                "Connections refused because --max-connections were open",
            )?,
            header_timeouts: IntCounter::new(
                name("header_timeouts_total"),
                "Connections closed for sending no request head within --header-timeout-s",
            )?,
            streams_open: IntGauge::new(name("streams_open"), "Live streams open")?,
            stream_windows: IntCounter::new(name("stream_windows_total"), "Windows answered on live streams")?,
            stream_closes: IntCounterVec::new(
                Opts::new(name("stream_closes_total"), "Live streams closed, by reason"),
                &["reason"],
            )?,
            stream_window_latency: Histogram::with_opts(
                HistogramOpts::new(
                    name("stream_window_latency_seconds"),
                    "From the audio completing a window arriving to its window message leaving",
                )
                .buckets(exponential_buckets(0.001, 1.25, 45)?), // 1 ms … 23 s, 25 % apart
            )?,
            registry,
        };
        m.registry.register(Box::new(m.requests.clone()))?;
        m.registry.register(Box::new(m.request_duration.clone()))?;
        m.registry.register(Box::new(m.in_flight.clone()))?;
        m.registry.register(Box::new(m.queue_time.clone()))?;
        m.registry.register(Box::new(m.inference_time.clone()))?;
        m.registry.register(Box::new(m.batch_size.clone()))?;
        m.registry.register(Box::new(m.queue_depth.clone()))?;
        m.registry.register(Box::new(m.cancelled.clone()))?;
        m.registry.register(Box::new(m.audio_seconds.clone()))?;
        m.registry.register(Box::new(m.decode_failures.clone()))?;
        m.registry.register(Box::new(m.model_info.clone()))?;
        m.registry.register(Box::new(m.chunk_size.clone()))?;
        m.registry.register(Box::new(m.connections_open.clone()))?;
        m.registry.register(Box::new(m.connections_refused.clone()))?;
        m.registry.register(Box::new(m.header_timeouts.clone()))?;
        m.registry.register(Box::new(m.streams_open.clone()))?;
        m.registry.register(Box::new(m.stream_windows.clone()))?;
        m.registry.register(Box::new(m.stream_closes.clone()))?;
        m.registry.register(Box::new(m.stream_window_latency.clone()))?;
        Ok(m)
    }

    /// Records the served model, its device and its chunk size.
    pub fn describe_model(&self, model_id: &str, device: &str, chunk_size: usize) {
        self.model_info.with_label_values(&[model_id, device]).set(1);
        self.chunk_size.set(chunk_size as i64);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let encoded = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        shared::invariant::ok(encoded, "encoding the metrics as text");
        shared::invariant::ok(String::from_utf8(out), "the metrics text")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_exposed_with_the_prefix() {
        let m = Metrics::new().unwrap();
        m.requests.with_label_values(&["/v1/recognize", "POST", "200"]).inc();
        m.request_duration.with_label_values(&["/v1/recognize"]).observe(0.1);
        m.decode_failures.with_label_values(&["truncated"]).inc();
        m.model_info.with_label_values(&["m", "cpu"]).set(1);
        m.batch_size.observe(3.0);
        let text = m.render();
        for n in [
            "requests_total",
            "request_duration_seconds",
            "requests_in_flight",
            "queue_time_seconds",
            "inference_time_seconds",
            "batch_size_windows",
            "queue_depth",
            "audio_seconds_total",
            "decode_failures_total",
            "model_info",
            "connections_open",
            "connections_refused_total",
            "header_timeouts_total",
            "streams_open",
            "stream_windows_total",
        ] {
            assert!(text.contains(&format!("# TYPE instrument_server_{n} ")), "{n} missing:\n{text}");
        }
        assert!(text.contains(r#"instrument_server_model_info{device="cpu",model_id="m"} 1"#));
        assert!(text.contains(r#"instrument_server_batch_size_windows_bucket{le="4"} 1"#));
    }
}
