//! The methods table: every distillation method on one student and budget, rows keyed so that
//! `--only` can run a subset (e.g. the CNN-only methods on a CNN student).

use std::sync::Arc;

use distill_lab::backend::block_on;
use distill_lab::distill::Ramp;
use distill_lab::model::{ModelSpec, TeacherLogits};
use distill_lab::train::{Method, Optimizer, Schedule, TrainConfig};
use distill_lab::{err, Result};
use serde_json::{json, Value};

use super::runner::{column, Outcome, Plan, Planned};
use super::training::train;
use super::{mean_std, setup, MethodsArgs, Setup};
use crate::cli::load_teachers;

/// One row of the table: a key for `--only`, a label, the config, and its teachers.
struct Row {
    key: &'static str,
    label: &'static str,
    config: TrainConfig,
    teachers: Vec<Arc<TeacherLogits>>,
}

/// The teacher's conv channels (the bundled teachers are `cnn:32,64,256`).
const TEACHER_CHANNELS: [usize; 2] = [32, 64];

fn rows(a: &MethodsArgs, base: &TrainConfig) -> Result<Vec<Row>> {
    let one = load_teachers(&[], &a.dataset, Method::Hinton)?;
    let none = Vec::new();
    let row = |key, label, config: TrainConfig, teachers: &Vec<Arc<TeacherLogits>>| Row {
        key,
        label,
        config,
        teachers: teachers.clone(),
    };
    let method = |method| TrainConfig {
        method,
        ..base.clone()
    };
    let mut out = vec![
        row("hard", "hard labels (no teacher)", base.clone(), &none),
        row("hinton", "Hinton KD", base.clone(), &one),
        row(
            "hinton-tau-cosine",
            "Hinton KD, τ cosine 8 → 2",
            TrainConfig {
                ramp: Ramp::Cosine,
                tau: 8.0,
                tau_end: Some(2.0),
                ..base.clone()
            },
            &one,
        ),
        row(
            "hinton-entropy",
            "Hinton KD, entropy-matched τ (1.5 bits)",
            TrainConfig {
                target_entropy: Some(1.5),
                ..base.clone()
            },
            &one,
        ),
        row(
            "lion-cosine",
            "Hinton KD, Lion + cosine lr (5 % warm-up)",
            TrainConfig {
                optimizer: Optimizer::Lion,
                schedule: Schedule::Cosine,
                warmup: 0.05,
                ..base.clone()
            },
            &one,
        ),
        row("dkd", "DKD (α_dkd 1, β_dkd 8)", method(Method::Dkd), &one),
        row(
            "fitnets",
            "FitNets hint + KD, joint",
            method(Method::Fitnets),
            &one,
        ),
        row(
            "fitnets-two-stage",
            "FitNets, two stages (hint, then KD)",
            method(Method::FitnetsTwoStage),
            &one,
        ),
        row(
            "rkd",
            "RKD (distance + angle) + CE",
            method(Method::Rkd),
            &one,
        ),
        row(
            "progressive",
            "progressive layer-wise (automatic pairs), then KD",
            method(Method::Progressive),
            &one,
        ),
        row(
            "adversarial",
            "adversarial (discriminator on outputs) + KD",
            method(Method::Adversarial),
            &one,
        ),
        row(
            "data-free",
            "data-free (generator; no training image)",
            method(Method::DataFree),
            &one,
        ),
        row(
            "qat",
            "quantization-aware KD (int8, fake-quantized)",
            method(Method::Qat),
            &one,
        ),
    ];
    if let ModelSpec::Cnn { channels, .. } = ModelSpec::parse(&base.student)? {
        out.push(row(
            "attention",
            "attention transfer + KD",
            method(Method::Attention),
            &one,
        ));
        if channels == TEACHER_CHANNELS {
            out.push(row(
                "fsp",
                "FSP matrices, then KD",
                method(Method::Fsp),
                &one,
            ));
        }
    }
    match load_teachers(&[], &a.dataset, Method::MultiAverage) {
        Ok(two) => {
            out.push(row(
                "multi-average",
                "multi-teacher, average (CNN + MLP)",
                method(Method::MultiAverage),
                &two,
            ));
            out.push(row(
                "multi-confidence",
                "multi-teacher, confidence-weighted",
                method(Method::MultiConfidence),
                &two,
            ));
        }
        Err(e) => eprintln!("multi-teacher rows skipped: {e}"),
    }
    if a.only.is_empty() {
        return Ok(out);
    }
    let keys: Vec<&str> = out.iter().map(|r| r.key).collect();
    if let Some(bad) = a.only.iter().find(|k| !keys.contains(&k.as_str())) {
        return Err(err!(
            "--only {bad}: no such row for {}; rows: {}",
            base.student,
            keys.join(", ")
        ));
    }
    Ok(out
        .into_iter()
        .filter(|r| a.only.iter().any(|k| k == r.key))
        .collect())
}

/// `experiment methods`: one job per row; writes `results/methods-<dataset>.json` for the default
/// student, else `results/methods-<student>-<dataset>.json` (e.g. `methods-cnn-32-64-32-mnist.json`).
pub(super) fn plan(a: MethodsArgs) -> Result<Planned> {
    let s = setup(&a)?;
    let rows = rows(&a, &s.base)?;
    let name = match a.student.as_str() {
        "mlp:128" => "methods".to_string(),
        s => format!("methods-{}", s.replace([':', ','], "-")),
    };
    let about = format!("student {}", a.student);
    Planned::new(a, s, name, about, Methods(rows))
}

struct Methods(Vec<Row>);

impl Plan for Methods {
    fn jobs(&self) -> Vec<String> {
        self.0.iter().map(|r| r.key.to_string()).collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let row = &self.0[job];
        let config = TrainConfig {
            seed,
            ..row.config.clone()
        };
        let eval = block_on(train(config, &s.data, row.teachers.clone())?.evaluate())?;
        Ok(json!({
            "testAccuracy": 100.0 * eval.test_accuracy, "testErrors": eval.test_errors as f64,
        }))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        println!(
            "{:<50} {:>18} {:>16} {:>9}",
            "method", "test accuracy %", "test errors", "s/run"
        );
        let mut results = Vec::new();
        for (row, outcomes) in self.0.iter().zip(done) {
            let accs = column(outcomes, "testAccuracy")?;
            let errs = column(outcomes, "testErrors")?;
            let secs: Vec<f64> = outcomes.iter().map(|o| o.seconds).collect();
            let ((am, asd), (em, esd), (sm, _)) =
                (mean_std(&accs), mean_std(&errs), mean_std(&secs));
            println!(
                "{:<50} {:>10.2} ± {:<5.2} {:>8.0} ± {:<5.0} {:>9.1}",
                row.label, am, asd, em, esd, sm
            );
            results.push(json!({
                "key": row.key, "method": row.label, "config": row.config,
                "teachers": row.teachers.len(), "testAccuracy": accs, "testErrors": errs,
                "seconds": secs, "meanAccuracy": am, "stdAccuracy": asd, "meanErrors": em,
                "stdErrors": esd,
            }));
        }
        Ok(results)
    }
}
