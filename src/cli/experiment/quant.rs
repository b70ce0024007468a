//! `experiment qat`: quantization-aware distillation against post-training quantization, with
//! and without a teacher, at one or more bit widths.

use std::sync::Arc;

use clap::Args;
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::Dataset;
use distill_lab::model::{save_weights, QuantNet, TeacherLogits};
use distill_lab::train::{evaluate_logits, Run, TrainConfig};
use distill_lab::{err, Result};
use serde_json::json;

use super::{mean_std, setup, write_results, MethodsArgs, Setup};
use crate::cli::load_teachers;

#[derive(Args)]
pub struct QatArgs {
    /// Bit widths of weights and activations, comma-separated (each 2..=8).
    #[arg(long, default_value = "8,4,2")]
    bits: String,
    #[command(flatten)]
    common: MethodsArgs,
}

/// Errors out of the test set, and file size, of an integer network.
fn int_errors(q: &QuantNet, data: &Dataset) -> Result<(f64, usize)> {
    let eval = evaluate_logits(0, &q.logits(&data.test.images), &data.test.labels);
    Ok((eval.test_errors as f64, q.to_bytes(&[])?.len()))
}

/// Trains one run to its end.
pub(super) fn train(
    config: TrainConfig,
    data: &Arc<Dataset>,
    t: Option<Arc<TeacherLogits>>,
) -> Result<Run> {
    let mut run = Run::new(config, data.clone(), t, &cpu_device())?;
    let report = block_on(run.train_steps(run.total_steps()))?;
    match report.nan_paused {
        Some(msg) => Err(err!("{msg}")),
        None => Ok(run),
    }
}

pub fn qat_table(q: QatArgs) -> Result<()> {
    let a = &q.common;
    let bits: Vec<u32> = q
        .bits
        .split(',')
        .map(|b| {
            b.trim()
                .parse()
                .map_err(|_| err!("--bits '{b}': not an integer"))
        })
        .collect::<Result<_>>()?;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    for &b in &bits {
        let mut params = base.params.clone();
        params.set("bits", b.into())?;
    }
    let teacher = load_teachers(&[], &a.dataset, 1)?.remove(0);
    println!(
        "{} · student {} · {} epochs · α {} · τ {} · seeds 1..={} · bits {:?}",
        kind.name(),
        a.student,
        a.epochs,
        a.alpha,
        a.tau,
        a.seeds,
        bits
    );
    // label → (errors per seed, file bytes)
    let mut table: Vec<(String, Vec<f64>, usize)> = Vec::new();
    let mut add = |label: String, errors: f64, bytes: usize| match table
        .iter_mut()
        .find(|(l, _, _)| *l == label)
    {
        Some(row) => row.1.push(errors),
        None => table.push((label, vec![errors], bytes)),
    };
    for seed in 1..=a.seeds {
        let config = TrainConfig {
            seed,
            ..base.clone()
        };
        for (name, t) in [("hard labels", None), ("Hinton KD", Some(teacher.clone()))] {
            let run = train(config.clone(), &data, t)?;
            let eval = block_on(run.evaluate())?;
            let float = block_on(save_weights(run.model(), run.spec(), &[]))?.len();
            add(format!("{name}, float32"), eval.test_errors as f64, float);
            for &b in &bits {
                let (errors, bytes) = int_errors(&block_on(run.quantize(b))?, &data)?;
                add(format!("{name} + post-training int{b}"), errors, bytes);
            }
        }
        // α = 1 keeps only the hard-label term: quantization-aware training without the teacher.
        for (name, alpha) in [
            ("quantization-aware, hard labels", 1.0),
            ("quantization-aware KD", a.alpha),
        ] {
            for &b in &bits {
                let qat = TrainConfig {
                    alpha,
                    ..config.clone()
                }
                .with_method("qat")
                .with_param("bits", b);
                let run = train(qat, &data, Some(teacher.clone()))?;
                let (errors, bytes) = int_errors(&block_on(run.quantize(b))?, &data)?;
                add(format!("{name}, int{b}"), errors, bytes);
            }
        }
        eprintln!(
            "seed {seed} done ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    println!(
        "{:<40} {:>16} {:>12}",
        "student", "test errors", "file bytes"
    );
    let mut rows = Vec::new();
    for (label, errors, bytes) in table {
        let (m, sd) = mean_std(&errors);
        println!("{label:<40} {m:>8.0} ± {sd:<5.0} {bytes:>12}");
        rows.push(
            json!({"student": label, "testErrors": errors, "meanErrors": m,
            "stdErrors": sd, "bytes": bytes}),
        );
    }
    write_results(a, kind, "qat", started, rows)
}
