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
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::runner::{by_label, Outcome, Plan, Planned};
use super::training::{finish, train};
use super::{mean_std, setup, teacher, MethodsArgs, Setup};

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

/// One measured student: its label, test errors, file bytes, gzip bytes, sparsity, images/s
/// (a timing) and the engine that ran it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Measured {
    student: String,
    errors: f64,
    bytes: usize,
    gzip: usize,
    sparsity: f64,
    per_second: f64,
    engine: String,
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
        student: String::new(),
        errors: evaluate_logits(0, &logits, &data.test.labels).test_errors as f64,
        bytes: file.len(),
        gzip: gzip_len(&file)?,
        sparsity: sparsity(&host),
        per_second,
        engine: "float32, burn CPU".into(),
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
        student: String::new(),
        errors: evaluate_logits(0, &logits, &data.test.labels).test_errors as f64,
        bytes: file.len(),
        gzip: gzip_len(&file)?,
        sparsity: host_sparsity,
        per_second,
        engine: match dynamic {
            true => "int8 dynamic, 1 thread".into(),
            false => "int8, 1 thread".into(),
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
    finish(run)
}

/// `experiment deploy`: one job, every seed one distilled student made smaller in each way.
pub(super) fn plan(d: DeployArgs) -> Result<Planned> {
    let s = setup(&d.common)?;
    let teacher = teacher(&d.common)?;
    let about = format!(
        "distilled student {} · prune {:.0} % of weights / keep {:.0} % of neurons, {} fine-tuning epochs",
        d.common.student,
        100.0 * d.sparsity,
        100.0 * d.keep_neurons,
        d.finetune_epochs,
    );
    let deploy = Deploy {
        sparsity: d.sparsity,
        keep_neurons: d.keep_neurons,
        finetune_epochs: d.finetune_epochs,
        teacher,
    };
    Planned::new(d.common, s, "deploy", about, deploy)
}

struct Deploy {
    sparsity: f32,
    keep_neurons: f32,
    finetune_epochs: usize,
    teacher: Arc<TeacherLogits>,
}

impl Plan for Deploy {
    fn jobs(&self) -> Vec<String> {
        vec!["distill, prune, fine-tune, quantize".into()]
    }

    fn unit(&self, s: &Setup, _job: usize, seed: u64) -> Result<Value> {
        let (d, data, teacher, config) = (self, &s.data, &self.teacher, s.seeded(seed));
        let mut rows = Vec::new();
        let mut add = |label: String, m: Measured| {
            rows.push(Measured {
                student: label,
                ..m
            })
        };
        let run = train(config.clone(), data, Some(teacher.clone()))?;
        let spec = run.spec().clone();
        let host = block_on(run.model().to_host())?;
        add(
            "distilled, float32".into(),
            measure_float(&spec, run.model(), data)?,
        );
        let q = block_on(run.quantize(8))?;
        add(
            "distilled, int8".into(),
            measure_int8(&q, sparsity(&host), data, false)?,
        );
        add(
            "distilled, int8, dynamic activations".into(),
            measure_int8(&q, sparsity(&host), data, true)?,
        );

        let masks = weight_masks(&host, d.sparsity)?;
        let mut pruned = host.clone();
        distill_lab::model::apply_masks(&mut pruned, &masks);
        let untuned = Net::from_host(&spec, pruned.clone(), &cpu_device())?;
        add(
            format!("pruned {:.0} %, not fine-tuned", 100.0 * d.sparsity),
            measure_float(&spec, &untuned, data)?,
        );
        let tune = |spec: &ModelSpec, host, masks| {
            finetune(&config, spec, host, masks, d.finetune_epochs, data, teacher)
        };
        let tuned = tune(&spec, pruned, Some(masks))?;
        add(
            format!("pruned {:.0} % + KD fine-tuning", 100.0 * d.sparsity),
            measure_float(&spec, tuned.model(), data)?,
        );
        let tuned_host = block_on(tuned.model().to_host())?;
        let q = block_on(tuned.quantize(8))?;
        add(
            format!("pruned {:.0} % + KD fine-tuning, int8", 100.0 * d.sparsity),
            measure_int8(&q, sparsity(&tuned_host), data, false)?,
        );

        let (small, small_host) = prune_neurons(&spec, &host, d.keep_neurons)?;
        let tuned = tune(&small, small_host, None)?;
        add(
            format!("neurons pruned to {small} + KD fine-tuning"),
            measure_float(&small, tuned.model(), data)?,
        );
        let q = block_on(tuned.quantize(8))?;
        add(
            format!("neurons pruned to {small} + KD fine-tuning, int8"),
            measure_int8(&q, 0.0, data, false)?,
        );
        serde_json::to_value(rows).map_err(|e| distill_lab::err!("{e}"))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        println!(
            "{:<46} {:>14} {:>9} {:>9} {:>9} {:>11}  engine",
            "student", "test errors", "bytes", "gzip", "sparsity", "images/s"
        );
        let mut rows = Vec::new();
        for (label, ms) in by_label(done, |m: &Measured| &m.student)? {
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
        Ok(rows)
    }
}
