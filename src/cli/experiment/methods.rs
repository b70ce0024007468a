//! The methods table: every distillation method on one student and budget, rows keyed so that
//! `--only` can run a subset (e.g. the CNN-only methods on a CNN student).

use std::sync::Arc;

use distill_lab::backend::block_on;
use distill_lab::distill::Ramp;
use distill_lab::method::{MethodRef, REGISTRY};
use distill_lab::model::{ModelSpec, TeacherLogits};
use distill_lab::train::{Optimizer, Schedule, TrainConfig};
use distill_lab::{err, Result};
use serde_json::{json, Value};

use super::runner::{column, Outcome, Plan, Planned};
use super::training::train;
use super::{mean_std, setup, MethodsArgs, Setup};
use crate::cli::bundled_teachers;

/// One row of the table: a key for `--only`, a label, the config, and its teachers.
struct Row {
    key: &'static str,
    label: &'static str,
    config: TrainConfig,
    teachers: Vec<Arc<TeacherLogits>>,
}

/// The bundled teachers' architecture (the feature methods' rows are checked against it).
const TEACHER: &str = "cnn:32,64,256";

fn rows(a: &MethodsArgs, base: &TrainConfig) -> Result<Vec<Row>> {
    let one = bundled_teachers(&a.dataset, 1)?;
    let two = bundled_teachers(&a.dataset, 2);
    let none = Vec::new();
    let row = |key, label, config: TrainConfig, teachers: &Vec<Arc<TeacherLogits>>| Row {
        key,
        label,
        config,
        teachers: teachers.clone(),
    };
    // The hard-label baseline and Hinton's loss with other schedules, then every registered
    // method the student and the bundled teacher allow.
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
            base.clone().with_param("targetEntropy", 1.5),
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
    ];
    let (student, teacher) = (ModelSpec::parse(&base.student)?, ModelSpec::parse(TEACHER)?);
    for m in REGISTRY.iter().skip(1) {
        let info = m.info();
        let method = MethodRef::parse(info.key)?;
        if let Err(e) = method.check_specs(&student, &teacher) {
            eprintln!("{} skipped: {e}", info.key);
            continue;
        }
        let teachers = match (info.needs.teachers, &two) {
            (1, _) => &one,
            (_, Ok(two)) => two,
            (_, Err(e)) => {
                eprintln!("{} skipped: {e}", info.key);
                continue;
            }
        };
        out.push(row(
            info.key,
            info.name,
            base.clone().with_method(info.key),
            teachers,
        ));
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
