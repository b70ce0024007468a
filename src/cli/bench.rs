//! `distill-lab bench`: KD steps per second of the reference workloads on each native backend.
//!
//! Each (backend, workload) pair runs warm-up chunks first (shader compiles, allocator and
//! autotune caches), then timed chunks of [`CHUNK`] steps until `--seconds` have passed. A
//! chunk ends with one read back of its losses, so the time covers the device's work too.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use distill_lab::backend::{block_on, cpu_device, ndarray_device, wgpu_device};
use distill_lab::train::{bench_run, workloads, Workload, BENCH_ALPHA, BENCH_LR, BENCH_TAU};
use distill_lab::{err, Result};
use serde_json::json;

/// Steps per timed chunk (one read back each).
const CHUNK: usize = 10;

#[derive(Args)]
pub(super) struct BenchArgs {
    /// Only the two cheapest workloads, and a shorter time on each.
    #[arg(long)]
    quick: bool,
    /// Backends to measure: flex, ndarray, wgpu (our tiled matmul), wgpu-burn (burn's matmul).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "flex,ndarray,wgpu,wgpu-burn"
    )]
    backends: Vec<String>,
    /// Seconds of timed steps per backend and workload (default 4, 1.5 with --quick).
    #[arg(long)]
    seconds: Option<f64>,
    /// Output folder; the results go to native.json in it (native-<tag>.json with --tag).
    #[arg(long, default_value = "results/bench")]
    out: PathBuf,
    /// Names this build in the results (backend `wgpu-<tag>`), e.g. `tuned` for a `gpu-tuned` CLI.
    #[arg(long)]
    tag: Option<String>,
}

/// What one (backend, workload) measurement found.
struct Measured {
    steps: usize,
    seconds: f64,
    first_chunk_seconds: f64,
    last_loss: f32,
}

fn measure(w: &Workload, device: &burn::tensor::Device, seconds: f64) -> Result<Measured> {
    let mut run = bench_run(w, device, 1)?;
    let started = Instant::now();
    block_on(run.train_steps(2))?;
    let first_chunk_seconds = started.elapsed().as_secs_f64();
    block_on(run.train_steps(CHUNK))?;
    let (mut steps, started) = (0, Instant::now());
    let mut last_loss = f32::NAN;
    while started.elapsed().as_secs_f64() < seconds && steps < 3000 {
        let report = block_on(run.train_steps(CHUNK))?;
        steps += report.losses.len();
        last_loss = report.losses.last().copied().unwrap_or(f32::NAN);
    }
    if !last_loss.is_finite() {
        return Err(err!("{}: the loss became {last_loss}", w.name));
    }
    Ok(Measured {
        steps,
        seconds: started.elapsed().as_secs_f64(),
        first_chunk_seconds,
        last_loss,
    })
}

fn device_for(name: &str) -> Result<burn::tensor::Device> {
    match name {
        "flex" | "cpu" => Ok(cpu_device()),
        "ndarray" => Ok(ndarray_device()),
        // `wgpu-burn`: the dense layers on burn's own matmul instead of our tiled kernel.
        "wgpu" | "wgpu-burn" => {
            distill_lab::kernels::set_tiled(name == "wgpu");
            wgpu_device()
        }
        other => Err(err!(
            "unknown backend '{other}': expected flex, ndarray, wgpu or wgpu-burn"
        )),
    }
}

fn cpu_model() -> String {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = text
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.into());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpus} × {model}")
}

pub(super) fn bench(a: BenchArgs) -> Result<()> {
    let seconds = a.seconds.unwrap_or(if a.quick { 1.5 } else { 4.0 });
    if !(0.1..=600.0).contains(&seconds) {
        return Err(err!("--seconds {seconds}: expected 0.1..=600"));
    }
    let started = Instant::now();
    let mut rows = Vec::new();
    println!(
        "{:<10} {:<22} {:>9} {:>9} {:>11} {:>9}",
        "backend", "workload", "steps/s", "ms/step", "examples/s", "first s"
    );
    let label = |backend: &str| match &a.tag {
        Some(tag) => format!("{backend}-{tag}"),
        None => backend.to_string(),
    };
    for backend in &a.backends {
        let name = label(backend);
        let device = match device_for(backend) {
            Ok(d) => d,
            Err(e) if backend.starts_with("wgpu") => {
                println!("{name:<10} skipped: {}", e.message());
                rows.push(json!({"backend": name, "error": e.message()}));
                continue;
            }
            Err(e) => return Err(e),
        };
        for w in workloads(a.quick) {
            let m = measure(&w, &device, seconds)?;
            let rate = m.steps as f64 / m.seconds;
            println!(
                "{name:<10} {:<22} {rate:>9.1} {:>9.2} {:>11.0} {:>9.2}",
                w.name,
                1000.0 / rate,
                rate * w.batch as f64,
                m.first_chunk_seconds
            );
            rows.push(json!({
                "backend": name, "workload": w.name, "student": w.student, "batch": w.batch,
                "steps": m.steps, "seconds": m.seconds, "stepsPerSecond": rate,
                "firstChunkSeconds": m.first_chunk_seconds, "lastLoss": m.last_loss,
            }));
        }
    }
    std::fs::create_dir_all(&a.out).map_err(|e| err!("{}: {e}", a.out.display()))?;
    let path = a.out.join(match &a.tag {
        Some(tag) => format!("native-{tag}.json"),
        None => "native.json".into(),
    });
    let doc = json!({
        "bench": "native",
        "command": format!("distill-lab {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        "commit": super::experiment::commit(), "machine": cpu_model(),
        "step": {"method": "hinton", "alpha": BENCH_ALPHA, "tau": BENCH_TAU, "optimizer": "adam", "lr": BENCH_LR},
        "wallSeconds": started.elapsed().as_secs_f64(), "rows": rows,
    });
    let text = serde_json::to_vec_pretty(&doc).map_err(|e| err!("{e}"))?;
    std::fs::write(&path, text).map_err(|e| err!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
