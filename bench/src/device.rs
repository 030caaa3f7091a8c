//! `perf device`: the accelerator section (scripts/gpu-check.sh runs it on a lent GPU): the
//! model's windows/s by batch size in fp32 and bf16 against the device's matrix throughput, and
//! both servers' audio-s/s at 1/4/16/64 clients on the same device. `--device cpu` measures the
//! same on the CPU, so the path is exercised where there is no GPU.
use std::fmt::Write as _;

use serde::Serialize;
use tch::Kind;
use trainer::export::load;

use crate::cli::DeviceArgs;
use crate::clips;
use crate::load::{levels, LoadResult};
use crate::machine::{cpu_flags, cpu_name, gpu_name};
use crate::report::{ratio, server_header, server_row};
use crate::{floor, procs};

/// One precision's windows/s at each batch size.
#[derive(Debug, Serialize)]
struct Rates {
    precision: &'static str,
    matmul_gflops: f64,
    by_batch: Vec<(i64, f64)>,
}

#[derive(Debug, Serialize)]
struct Results {
    device: String,
    gpu: String,
    cpu: String,
    model_id: String,
    rates: Vec<Rates>,
    clients: Vec<usize>,
    ours: Vec<LoadResult>,
    reference: Vec<LoadResult>,
}

pub fn run(args: &DeviceArgs) -> anyhow::Result<()> {
    let device = args.device.resolve()?;
    let device_name = match args.device {
        engine::Device::Cpu => "cpu",
        engine::Device::Cuda => "cuda",
    };
    std::fs::create_dir_all(&args.out)?;
    let (fp32, fp32_module) = load(&args.model, device)?;
    let bf16_dir = shared::model_dir::ModelDir::new(&args.model).export(shared::manifest::Precision::Bf16);
    let bf16 = bf16_dir.exists().then(|| load(&bf16_dir.dir, device)).transpose()?;
    let (frames, mels) = (fp32.window.frames as i64, fp32.front_end.n_mels as i64);

    let mut rates = Vec::new();
    let mut models = vec![("fp32", Kind::Float, &fp32_module)];
    if let Some((_, m)) = &bf16 {
        models.push(("bf16", Kind::BFloat16, m));
    }
    for (precision, kind, module) in models {
        let matmul_gflops = floor::matmul_gflops(kind, device);
        let mut by_batch = Vec::new();
        for &batch in &args.batches {
            let w = floor::model_windows_per_second(module, batch, frames, mels, device)?;
            eprintln!("[perf device] {precision} batch {batch}: {w:.0} windows/s");
            by_batch.push((batch, w));
        }
        rates.push(Rates { precision, matmul_gflops, by_batch });
    }

    let clips = clips::make(&args.python, &args.source, &args.work)?;
    let clip = clips::get(&clips, "10s-wav")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ours = {
        let flags = ["--device".to_string(), device_name.to_string()];
        let server = procs::ours(&args.server, &args.model, &flags)?;
        levels(&server, clip, &args.clients, args.seconds)?
    };
    let reference = {
        let server = procs::reference(&args.python, &args.model, threads, device_name)?;
        levels(&server, clip, &args.clients, args.seconds)?
    };
    let results = Results {
        device: device_name.to_string(),
        gpu: gpu_name(),
        cpu: format!("{} ({})", cpu_name(), cpu_flags()),
        model_id: fp32.model_id.clone(),
        rates,
        clients: args.clients.clone(),
        ours,
        reference,
    };
    std::fs::write(args.out.join("device.json"), serde_json::to_string_pretty(&results)?)?;
    let md = markdown(&results, args.seconds)?;
    std::fs::write(args.out.join("device.md"), &md)?;
    println!("{md}");
    Ok(())
}

fn markdown(r: &Results, seconds: f64) -> anyhow::Result<String> {
    let mut md = String::new();
    writeln!(
        md,
        "## On `{}`: {}\n\nMade by `perf device` (`scripts/gpu-check.sh`). GPU: {}. CPU: {}. Model `{}`.\n",
        r.device,
        if r.device == "cuda" { "the GPU" } else { "the CPU (the GPU check's rehearsal)" },
        r.gpu,
        r.cpu,
        r.model_id
    )?;
    md += "### Model windows/s by batch size\n\n| precision | matmul GFLOP/s | batch | windows/s | × batch 1 |\n|---|---|---|---|---|\n";
    for rates in &r.rates {
        let base = rates.by_batch.first().map_or(f64::NAN, |b| b.1);
        for (batch, w) in &rates.by_batch {
            writeln!(md, "| {} | {:.0} | {batch} | {w:.0} | {:.2} |", rates.precision, rates.matmul_gflops, w / base)?;
        }
    }
    writeln!(
        md,
        "\n### Servers on the same device, 10 s WAV\n\n`perf load` for {seconds} s per level; ours with its defaults \
        (`--device {}`), the reference (`bench/reference/`, FastAPI + uvicorn, `DEVICE={}`).\n",
        r.device, r.device
    )?;
    md += &server_header();
    for (o, t) in r.ours.iter().zip(&r.reference) {
        md += &server_row("10 s WAV", o, t);
    }
    let at = |rs: &[LoadResult], c: usize| rs.iter().find(|x| x.concurrency == c).map(|x| x.audio_seconds_per_second);
    if let (Some(o), Some(t)) = (at(&r.ours, 4), at(&r.reference, 4)) {
        writeln!(md, "\nAt 4 clients ours serves {} the reference's audio-s/s.", ratio(o, t))?;
    }
    Ok(md)
}
