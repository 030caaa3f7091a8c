//! `perf run`: every benchmark in one run, written to docs/perf.md.
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use tch::{Device, Kind};
use trainer::export::load;

use crate::cli::RunArgs;
use crate::clips::{self, Clips};
use crate::load::{drive, levels, LoadResult, Plan};
use crate::machine::{cpu_flags, cpu_name};
use crate::report::{accuracy, ratio, server_header, server_row, target, variant_header, variant_row};
use crate::{floor, offline, procs, reference};

const LEVELS: [usize; 3] = [1, 4, 16];
const SERVER_CLIPS: [(&str, &str); 2] = [("10s-wav", "10 s WAV"), ("10s-mp3", "10 s MP3")];

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    tch::set_num_threads(threads as i32);
    let clips: Clips = clips::make(&args.python, &args.source, &args.work.join("clips"))?;
    let (fp32, module) = load(&args.model, Device::Cpu)?;
    let strip = floor::load_strip(&args.model)?;
    // The other exports of the same model, each measured where it is present (with its strip
    // module where it has one).
    let mut exports = Vec::new();
    let mut export_strips = Vec::new();
    for (name, dir) in [("bf16", &args.bf16_model), ("int8", &args.int8_model)] {
        if dir.join("model.pt").exists() {
            let (manifest, module) = load(dir, Device::Cpu)?;
            export_strips.push(floor::load_strip(dir)?);
            exports.push((name, manifest, module));
        }
    }
    let export_names: Vec<&str> = exports.iter().map(|(n, _, _)| *n).collect();
    let mut md = String::new();
    writeln!(
        md,
        "# Performance\n\nMade by `bash bench/run.sh` (= `perf run`, {} s of load per server measurement). \
        Machine: {} (CPU flags: {}), {} cores, {threads} libtorch threads on both sides; no GPU. Model `{}`. \
        The reference is `bench/reference/` (librosa 0.11 + PyTorch 2.11 `torch.jit.load` of the same `model.pt`, \
        FastAPI + uvicorn, one process), run by the same command.\n",
        args.seconds,
        cpu_name(),
        cpu_flags(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        fp32.model_id
    )?;

    // (c) The floor.
    eprintln!("[perf] matrix throughput and model windows/s");
    let gflop = reference::gflop_per_window(&args.python, &args.model)?;
    let (mm32, mm16) =
        (floor::matmul_gflops(Kind::Float, Device::Cpu), floor::matmul_gflops(Kind::BFloat16, Device::Cpu));
    let (frames, mels) = (fp32.window.frames as i64, fp32.front_end.n_mels as i64);
    writeln!(
        md,
        "## The floor: model against the machine's matrix throughput\n\n\
        One window costs {gflop:.3} GFLOP (PyTorch's FlopCounterMode on `model.pt`, `bench/reference/flops.py`). \
        A 2048² matrix product through libtorch runs at {mm32:.0} GFLOP/s in fp32 and {mm16:.0} GFLOP/s in bf16, \
        so the limit is {:.0} windows/s in fp32 and {:.0} in bf16 (int8 is set against the fp32 limit: \
        its multiply-adds are the same ones, in integers).\n\n\
        | model | batch | windows/s | GFLOP/s | fraction of the limit |\n|---|---|---|---|---|",
        mm32 / gflop,
        mm16 / gflop
    )?;
    // The target is the fp32 model against the fp32 limit: on a CPU without bf16 units libtorch
    // emulates bf16 at a few GFLOP/s, and a fraction of that says nothing about the model.
    let mut best_fp32_fraction: f64 = 0.0;
    let models = std::iter::once(("fp32", &module, strip.as_ref()))
        .chain(exports.iter().zip(&export_strips).map(|((n, _, m), s)| (*n, m, s.as_ref())));
    let hop = fp32.window.hop_frames as i64;
    for (name, m, s) in models {
        let limit = if name == "bf16" { mm16 } else { mm32 };
        for batch in [16, 64] {
            let windows = floor::model_windows_per_second(m, batch, frames, mels, Device::Cpu)?;
            let strip =
                s.map(|s| floor::strip_windows_per_second(s, batch, frames, hop, mels, Device::Cpu)).transpose()?;
            for (label, w) in
                std::iter::once((name.to_string(), windows)).chain(strip.map(|w| (format!("{name} strip"), w)))
            {
                let fraction = w * gflop / limit;
                if name == "fp32" {
                    best_fp32_fraction = best_fp32_fraction.max(fraction);
                }
                writeln!(md, "| {label} | {batch} | {w:.0} | {:.0} | {:.0} % |", w * gflop, fraction * 100.0)?;
            }
        }
    }
    md += "\n`strip`: the same network over the frames of one clip's windows (`strip.pt`, block 1 once per frame; \
        the GFLOP/s count a window's full cost, so they exceed the machine's rate by what the shared frames save).\n";

    // (a) Offline.
    eprintln!("[perf] offline");
    let names = ["10s-wav", "10s-mp3", "180s-wav", "180s-mp3"];
    let files: Vec<&Path> =
        names.iter().map(|n| clips::get(&clips, n).map(|c| c.path.as_path())).collect::<anyhow::Result<_>>()?;
    let ours = offline::run(&args.model, threads, &files, args.repeats)?;
    let export_dirs = [("bf16", &args.bf16_model), ("int8", &args.int8_model)];
    let ours_exports = export_names
        .iter()
        .filter_map(|name| export_dirs.iter().find(|(n, _)| n == name))
        .map(|(_, dir)| offline::run(dir, threads, &files, args.repeats))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let theirs = reference::offline(&args.python, &args.model, threads, args.repeats, &files)?;
    writeln!(
        md,
        "\n## Offline: files to labels\n\nOurs: `server recognize`'s path in-process (the engine started once, then \
        each file streamed: decode (symphonia) → resample (rubato) → log-mel → the batching queue and the model thread, \
        through `strip.pt` where the export has one → S2); reference: `librosa.load(sr=22050)` → `librosa.feature.melspectrogram` → \
        `torch.jit.load` model → S2. Median of {} runs after a warm-up; the largest difference between the two \
        sides' S2 scores shows they compute the same thing.\n\n\
        Ours runs fp32 and each export present ({}).\n\n{}",
        args.repeats,
        export_names.join(", "),
        offline::header(&export_names)
    )?;
    let mut offline_ratios = Vec::new();
    for (i, ((name, o), t)) in names.iter().zip(&ours).zip(&theirs).enumerate() {
        let diff = fp32
            .labels
            .iter()
            .zip(&o.scores)
            .map(|(l, s)| (t.scores.get(&l.code).copied().unwrap_or(f32::NAN) - s).abs())
            .fold(0.0f32, f32::max);
        anyhow::ensure!(
            t.windows == o.windows,
            "{name}: {} windows in ours, {} in the reference",
            o.windows,
            t.windows
        );
        let others: Vec<&offline::Ours> = ours_exports.iter().filter_map(|e| e.get(i)).collect();
        let fastest = others.iter().map(|b| b.median_s).fold(o.median_s, f64::min);
        offline_ratios.push((name.starts_with("180s"), t.median_s / fastest));
        let mut row = format!("| {name} | {} | {:.2} |", o.windows, 1.0 / o.median_s);
        for b in &others {
            row += &format!(" {:.2} |", 1.0 / b.median_s);
        }
        row += &format!(" {:.2} | {} |", 1.0 / t.median_s, ratio(t.median_s, o.median_s));
        for b in &others {
            row += &format!(" {} |", ratio(t.median_s, b.median_s));
        }
        writeln!(md, "{row} {diff:.4} |")?;
    }

    // (b) Servers.
    let mut rows = Vec::new();
    let served;
    {
        let server = procs::ours(&args.server, &args.model, &[])?;
        served = procs::served_precision(&server);
        for (clip, _) in SERVER_CLIPS {
            rows.push(levels(&server, clips::get(&clips, clip)?, &LEVELS, args.seconds)?);
        }
    }
    let mut ref_rows = Vec::new();
    {
        let server = procs::reference(&args.python, &args.model, threads, "cpu")?;
        for (clip, _) in SERVER_CLIPS {
            ref_rows.push(levels(&server, clips::get(&clips, clip)?, &LEVELS, args.seconds)?);
        }
    }
    writeln!(
        md,
        "\n## Server: `POST /v1/recognize` under load\n\n`perf load`: each client posts the clip as multipart \
        `file` in a loop for {} s after one warm-up request; loopback; both servers on the same model and threads. \
        Ours runs with its defaults ({}).\n",
        args.seconds, served
    )?;
    md += &server_header();
    for (((_, label), o), t) in SERVER_CLIPS.iter().zip(&rows).zip(&ref_rows) {
        for (a, b) in o.iter().zip(t) {
            md += &server_row(label, a, b);
        }
    }

    // Fast paths, each against our default on the same clip.
    let wav = clips::get(&clips, "10s-wav")?;
    let base = &rows[0];
    md += &format!("\n## Fast paths, each against our default (10 s WAV)\n\n{}", variant_header());
    for r in &base[1..] {
        md += &variant_row("our defaults", "10 s WAV", r, r, "");
    }
    let mut variant = |name: &str, model: &Path, flags: &[&str], kept: &str| -> anyhow::Result<Vec<LoadResult>> {
        let flags: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
        let server = procs::ours(&args.server, model, &flags)?;
        let rs = levels(&server, wav, &[4, 16], args.seconds)?;
        for (r, b) in rs.iter().zip(&base[1..]) {
            md += &variant_row(name, "10 s WAV", r, b, kept);
        }
        Ok(rs)
    };
    variant("`--precision fp32`", &args.model, &["--precision", "fp32"], "the `auto` choice without AMX")?;
    variant("`--share-frames false`", &args.model, &["--share-frames", "false"], "no: block 1 twice per frame")?;
    variant("`--model-threads 1`", &args.model, &["--model-threads", "1"], "no: one per core")?;
    variant("`--chunk-size 64` (untimed)", &args.model, &["--chunk-size", "64"], "no: timed at warm-up")?;
    variant("`--max-batch-wait-ms 0`", &args.model, &["--max-batch-wait-ms", "0"], "no: 5 ms")?;
    variant(
        "`--retain-freed-memory false`",
        &args.model,
        &["--retain-freed-memory", "false"],
        "no: pages faulted in again",
    )?;
    let int8_rows = if export_names.contains(&"int8") {
        Some(variant("`--precision int8`", &args.model, &["--precision", "int8"], "opt-in: answers change (below)")?)
    } else {
        None
    };
    md += "\n";
    for (name, m, _) in &exports {
        md += &accuracy(name, m, &fp32);
    }

    // Soak: RSS over many requests.
    let mut soak = None;
    if args.soak_requests > 0 {
        let server = procs::ours(&args.server, &args.model, &[])?;
        let clip = clips::get(&clips, "2s-wav")?;
        let r =
            drive(&Plan::new(&server.base, &clip.path, clip.seconds, 4, 0.0, args.soak_requests)?, Some(server.pid()))?;
        writeln!(md, "\n## Memory over {} requests\n\nOur server, 4 clients posting a 2-s WAV: {} answered, {} failed in {:.0} s. \
            RSS after the warm-up {:.0} MiB; after each tenth of the requests: {} MiB; peak {:.0} MiB.",
            args.soak_requests, r.requests, r.errors, r.seconds, r.rss_start_mib.unwrap_or(f64::NAN),
            r.rss_trace_mib.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(", "), r.rss_peak_mib.unwrap_or(f64::NAN))?;
        soak = Some(r);
    }

    // Targets.
    let c4 = |rs: &[LoadResult]| rs.get(1).map_or(f64::NAN, |r| r.audio_seconds_per_second);
    let server_ratio = c4(&rows[0]) / c4(&ref_rows[0]);
    let int8_ratio =
        int8_rows.as_ref().map(|r| r.first().map_or(f64::NAN, |r| r.audio_seconds_per_second) / c4(&ref_rows[0]));
    let least = |long_only: bool| {
        offline_ratios.iter().filter(|(long, _)| *long || !long_only).map(|(_, r)| *r).fold(f64::INFINITY, f64::min)
    };
    let (offline_min, offline_long_min) = (least(false), least(true));
    let c16 = &rows[0][2];
    md += "\n## Targets\n\n| target | measured | |\n|---|---|---|\n";
    md += &target(
        "server audio-s/s at 4 clients, 10-s clips ≥ 2× the reference",
        format!("{server_ratio:.2}× (WAV, our defaults)"),
        server_ratio >= 2.0,
    );
    if let Some(r) = int8_ratio {
        md += &target(
            "the same with `--precision int8` (opt-in)",
            format!("{r:.2}× (WAV; its F1 in the accuracy lines above)"),
            r >= 2.0,
        );
    }
    md += &target(
        "offline ≥ 2× the reference",
        format!("{offline_min:.2}× (the least of the four clips, our faster precision)"),
        offline_min >= 2.0,
    );
    md += &target(
        "offline 3-min files ≥ 1.5× the reference",
        format!("{offline_long_min:.2}× (the lesser of WAV and MP3, our faster precision)"),
        offline_long_min >= 1.5,
    );
    md += &target(
        "model windows/s ≥ 50 % of the fp32 matrix-throughput limit",
        format!("{:.0} % (fp32 at its best batch)", best_fp32_fraction * 100.0),
        best_fp32_fraction >= 0.5,
    );
    md += &target(
        "p99 at 16 clients ≤ 3× p50",
        format!("{:.0} / {:.0} ms = {:.2}×", c16.p99_ms, c16.p50_ms, c16.p99_ms / c16.p50_ms),
        c16.p99_ms <= 3.0 * c16.p50_ms,
    );
    if let Some(r) = &soak {
        let (first, last) =
            (r.rss_trace_mib.first().copied().unwrap_or(f64::NAN), r.rss_trace_mib.last().copied().unwrap_or(f64::NAN));
        md += &target(
            &format!("RSS bounded and flat over {} requests", args.soak_requests),
            format!("{first:.0} MiB after the first tenth, {last:.0} MiB at the end"),
            last <= first * 1.1 && r.errors == 0,
        );
    }
    std::fs::create_dir_all(&args.work)?;
    std::fs::write(
        args.work.join("results.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "server_ours": rows, "server_reference": ref_rows, "soak": soak,
        }))?,
    )?;
    std::fs::write(&args.out, &md).with_context(|| format!("writing {}", args.out.display()))?;
    println!("{md}");
    Ok(())
}
