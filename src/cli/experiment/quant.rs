//! `experiment qat`: quantization-aware distillation against post-training quantization, with
//! and without a teacher, at one or more bit widths.

use std::sync::Arc;

use clap::Args;
use distill_lab::backend::block_on;
use distill_lab::data::Dataset;
use distill_lab::model::{save_weights, QuantNet, TeacherLogits};
use distill_lab::train::{evaluate_logits, TrainConfig};
use distill_lab::{err, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::runner::{by_label, Outcome, Plan, Planned};
use super::training::train;
use super::{list, mean_std, setup, teacher, MethodsArgs, Setup};

#[derive(Args)]
pub struct QatArgs {
    /// Bit widths of weights and activations, comma-separated (each 2..=8).
    #[arg(long, default_value = "8,4,2")]
    bits: String,
    #[command(flatten)]
    common: MethodsArgs,
}

/// The row of the integer network `q`: its errors out of the test set and its file size.
fn int_row(student: String, q: &QuantNet, data: &Dataset) -> Result<Measured> {
    let eval = evaluate_logits(0, &q.logits(&data.test.images), &data.test.labels);
    let bytes = q.to_bytes(&[])?.len();
    let test_errors = eval.test_errors as f64;
    Ok(Measured {
        student,
        test_errors,
        bytes,
    })
}

/// One row of one seed: a student's test errors and file size.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Measured {
    student: String,
    test_errors: f64,
    bytes: usize,
}

/// `experiment qat`: jobs `hard labels` and `Hinton KD` (float, then post-training quantized at
/// each bit width), then quantization-aware training at each bit width without and with KD.
pub(super) fn plan(q: QatArgs) -> Result<Planned> {
    let bits: Vec<u32> = list("bits", &q.bits)?;
    let s = setup(&q.common)?;
    for &b in &bits {
        let mut params = s.base.params.clone();
        params.set("bits", b.into())?;
    }
    let teacher = teacher(&q.common)?;
    let about = format!("student {} · bits {bits:?}", q.common.student);
    Planned::new(q.common, s, "qat", about, Qat { bits, teacher })
}

struct Qat {
    bits: Vec<u32>,
    teacher: Arc<TeacherLogits>,
}

/// The post-training jobs, then the quantization-aware ones; α = 1 keeps only the hard-label
/// term: quantization-aware training without the teacher.
const POST_TRAINING: [(&str, bool); 2] = [("hard labels", false), ("Hinton KD", true)];
const AWARE: [&str; 2] = ["quantization-aware, hard labels", "quantization-aware KD"];

impl Plan for Qat {
    fn jobs(&self) -> Vec<String> {
        let aware = AWARE
            .iter()
            .flat_map(|name| self.bits.iter().map(move |b| format!("{name}, int{b}")));
        let post = POST_TRAINING.iter().map(|(n, _)| n.to_string());
        post.chain(aware).collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let (data, teacher, config) = (&s.data, &self.teacher, s.seeded(seed));
        let mut rows = Vec::new();
        if let Some(&(name, kd)) = POST_TRAINING.get(job) {
            let run = train(config, data, kd.then(|| teacher.clone()))?;
            rows.push(Measured {
                student: format!("{name}, float32"),
                test_errors: block_on(run.evaluate())?.test_errors as f64,
                bytes: block_on(save_weights(run.model(), run.spec(), &[]))?.len(),
            });
            for &b in &self.bits {
                let label = format!("{name} + post-training int{b}");
                rows.push(int_row(label, &block_on(run.quantize(b))?, data)?);
            }
        } else {
            let k = job - POST_TRAINING.len();
            let (name, b) = (AWARE[k / self.bits.len()], self.bits[k % self.bits.len()]);
            let alpha = if k < self.bits.len() {
                1.0
            } else {
                config.alpha
            };
            let qat = TrainConfig { alpha, ..config }
                .with_method("qat")
                .with_param("bits", b);
            let run = train(qat, data, Some(teacher.clone()))?;
            rows.push(int_row(
                format!("{name}, int{b}"),
                &block_on(run.quantize(b))?,
                data,
            )?);
        }
        serde_json::to_value(rows).map_err(|e| err!("{e}"))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        println!(
            "{:<40} {:>16} {:>12}",
            "student", "test errors", "file bytes"
        );
        let mut rows = Vec::new();
        for (label, ms) in by_label(done, |m: &Measured| &m.student)? {
            let errors: Vec<f64> = ms.iter().map(|m| m.test_errors).collect();
            let ((m, sd), bytes) = (mean_std(&errors), ms[0].bytes);
            println!("{label:<40} {m:>8.0} ± {sd:<5.0} {bytes:>12}");
            rows.push(
                json!({"student": label, "testErrors": errors, "meanErrors": m,
                "stdErrors": sd, "bytes": bytes}),
            );
        }
        Ok(rows)
    }
}
