//! `experiment deploy`: a distilled student made smaller for deployment — unstructured magnitude
//! pruning and per-neuron pruning, each fine-tuned with distillation, and int8 — with size,
//! sparsity, accuracy and CPU inference speed.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::Dataset;
use distill_lab::model::{
    prune_neurons, save_weights, sparsity, weight_masks, ModelSpec, Net, QuantNet, TeacherLogits,
};
use distill_lab::train::{evaluate_logits, predict, Run, TrainConfig};
use distill_lab::Result;
use serde_json::json;

use super::quant::train;
use super::{mean_std, setup, write_results, MethodsArgs, Setup};
use crate::cli::load_teachers;

#[derive(Args)]
pub struct DeployArgs {
    /// Share of each layer's weights set to 0 by unstructured magnitude pruning.
    #[arg(long, default_value_t = 0.8)]
    sparsity: f32,
    /// Share of each hidden layer's neurons kept by structured pruning.
    #[arg(long, default_value_t = 0.5)]
    keep_neurons: f32,
    /// Epochs of distillation fine-tuning after pruning.
    #[arg(long, default_value_t = 5)]
    finetune_epochs: usize,
    #[command(flatten)]
    common: MethodsArgs,
}

/// One measured student: test errors, file bytes, gzip bytes, sparsity, images/s.
struct Measured {
    errors: f64,
    bytes: usize,
    gzip: usize,
    sparsity: f64,
    per_second: f64,
    engine: &'static str,
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)
        .and_then(|_| gz.finish())
        .map(|v| v.len())
        .map_err(|e| distill_lab::err!("gzip: {e}"))
}

/// The float student on the test set, timed (burn's CPU backend, all cores).
fn measure_float(spec: &ModelSpec, net: &Net, data: &Dataset) -> Result<Measured> {
    let device = cpu_device();
    let host = block_on(net.to_host())?;
    let net = Net::from_host(spec, host.clone(), &device)?;
    let t0 = Instant::now();
    let logits = block_on(predict(&net, &data.test.images, &device))?;
    let per_second = data.test.len() as f64 / t0.elapsed().as_secs_f64();
    let file = block_on(save_weights(&net, spec, &[]))?;
    Ok(Measured {
        errors: evaluate_logits(0, &logits, &data.test.labels).test_errors as f64,
        bytes: file.len(),
        gzip: gzip_len(&file)?,
        sparsity: sparsity(&host),
        per_second,
        engine: "float32, burn CPU",
    })
}

/// The integer network on the test set, timed (plain Rust, one thread); `dynamic`: activation
/// scales per image instead of calibrated ones.
fn measure_int8(
    q: &QuantNet,
    host_sparsity: f64,
    data: &Dataset,
    dynamic: bool,
) -> Result<Measured> {
    let t0 = Instant::now();
    let logits = match dynamic {
        true => q.logits_dynamic(&data.test.images),
        false => q.logits(&data.test.images),
    };
    let per_second = data.test.len() as f64 / t0.elapsed().as_secs_f64();
    let file = q.to_bytes(&[])?;
    Ok(Measured {
        errors: evaluate_logits(0, &logits, &data.test.labels).test_errors as f64,
        bytes: file.len(),
        gzip: gzip_len(&file)?,
        sparsity: host_sparsity,
        per_second,
        engine: if dynamic {
            "int8 dynamic, 1 thread"
        } else {
            "int8, 1 thread"
        },
    })
}

/// Fine-tunes `net` (of `spec`) with the run's distillation for `epochs`, holding `masks`.
fn finetune(
    base: &TrainConfig,
    spec: &ModelSpec,
    host: Vec<(Vec<f32>, Vec<f32>)>,
    masks: Option<Vec<Vec<f32>>>,
    epochs: usize,
    data: &Arc<Dataset>,
    teacher: &Arc<TeacherLogits>,
) -> Result<Run> {
    let config = TrainConfig {
        student: spec.to_string(),
        epochs,
        ..base.clone()
    };
    let device = cpu_device().autodiff();
    let net = Net::from_host(spec, host, &device)?;
    let mut run = Run::with_model(
        config,
        spec.clone(),
        net,
        data.clone(),
        vec![teacher.clone()],
        device,
    );
    if let Some(m) = masks {
        run.set_masks(m)?;
    }
    block_on(run.train_steps(run.total_steps()))?;
    Ok(run)
}

pub fn deploy_table(d: DeployArgs) -> Result<()> {
    let a = &d.common;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    let teacher = load_teachers(&[], &a.dataset, 1)?.remove(0);
    println!(
        "{} · distilled student {} · prune {:.0} % of weights / keep {:.0} % of neurons, {} fine-tuning epochs · seeds 1..={}",
        kind.name(),
        a.student,
        100.0 * d.sparsity,
        100.0 * d.keep_neurons,
        d.finetune_epochs,
        a.seeds
    );
    let mut table: Vec<(String, Vec<Measured>)> = Vec::new();
    let mut add = |label: String, m: Measured| match table.iter_mut().find(|(l, _)| *l == label) {
        Some(row) => row.1.push(m),
        None => table.push((label, vec![m])),
    };
    for seed in 1..=a.seeds {
        let config = TrainConfig {
            seed,
            ..base.clone()
        };
        let run = train(config.clone(), &data, Some(teacher.clone()))?;
        let spec = run.spec().clone();
        let host = block_on(run.model().to_host())?;
        add(
            "distilled, float32".into(),
            measure_float(&spec, run.model(), &data)?,
        );
        let q = block_on(run.quantize(8))?;
        add(
            "distilled, int8".into(),
            measure_int8(&q, sparsity(&host), &data, false)?,
        );
        add(
            "distilled, int8, dynamic activations".into(),
            measure_int8(&q, sparsity(&host), &data, true)?,
        );

        let masks = weight_masks(&host, d.sparsity)?;
        let mut pruned = host.clone();
        distill_lab::model::apply_masks(&mut pruned, &masks);
        let untuned = Net::from_host(&spec, pruned.clone(), &cpu_device())?;
        add(
            format!("pruned {:.0} %, not fine-tuned", 100.0 * d.sparsity),
            measure_float(&spec, &untuned, &data)?,
        );
        let tuned = finetune(
            &config,
            &spec,
            pruned,
            Some(masks),
            d.finetune_epochs,
            &data,
            &teacher,
        )?;
        add(
            format!("pruned {:.0} % + KD fine-tuning", 100.0 * d.sparsity),
            measure_float(&spec, tuned.model(), &data)?,
        );
        let tuned_host = block_on(tuned.model().to_host())?;
        let q = block_on(tuned.quantize(8))?;
        add(
            format!("pruned {:.0} % + KD fine-tuning, int8", 100.0 * d.sparsity),
            measure_int8(&q, sparsity(&tuned_host), &data, false)?,
        );

        let (small, small_host) = prune_neurons(&spec, &host, d.keep_neurons)?;
        let tuned = finetune(
            &config,
            &small,
            small_host,
            None,
            d.finetune_epochs,
            &data,
            &teacher,
        )?;
        add(
            format!("neurons pruned to {small} + KD fine-tuning"),
            measure_float(&small, tuned.model(), &data)?,
        );
        let q = block_on(tuned.quantize(8))?;
        add(
            format!("neurons pruned to {small} + KD fine-tuning, int8"),
            measure_int8(&q, 0.0, &data, false)?,
        );
        eprintln!(
            "seed {seed} done ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    println!(
        "{:<46} {:>14} {:>9} {:>9} {:>9} {:>11}  engine",
        "student", "test errors", "bytes", "gzip", "sparsity", "images/s"
    );
    let mut rows = Vec::new();
    for (label, ms) in table {
        let errors: Vec<f64> = ms.iter().map(|m| m.errors).collect();
        let speeds: Vec<f64> = ms.iter().map(|m| m.per_second).collect();
        let (em, esd) = mean_std(&errors);
        let (sm, _) = mean_std(&speeds);
        let m = &ms[0];
        println!(
            "{label:<46} {em:>7.0} ± {esd:<4.0} {:>9} {:>9} {:>8.1}% {sm:>11.0}  {}",
            m.bytes,
            m.gzip,
            100.0 * m.sparsity,
            m.engine
        );
        rows.push(json!({
            "student": label, "testErrors": errors, "meanErrors": em, "stdErrors": esd,
            "bytes": m.bytes, "gzipBytes": ms.iter().map(|m| m.gzip).collect::<Vec<_>>(),
            "sparsity": ms.iter().map(|m| m.sparsity).collect::<Vec<_>>(),
            "imagesPerSecond": speeds, "engine": m.engine,
        }));
    }
    write_results(a, kind, "deploy", started, rows)
}
