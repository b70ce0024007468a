//! `experiment missing3`: Hinton et al. (2015, §3)'s transfer sets without the 3s, or with only
//! the 7s and 8s. The student learns from the teacher's soft labels on the other classes; then
//! the bias of the missing classes is raised by an amount chosen on held-out training examples
//! (the last 10,000, never in the transfer set), never on the test set.

use std::sync::Arc;

use clap::Args;
use distill_lab::analysis::{add_bias, choose_bias, class_recall};
use distill_lab::backend::block_on;
use distill_lab::data::{held_out_from, transfer_indices, ClassFilter, Dataset, PIXELS};
use distill_lab::model::TeacherLogits;
use distill_lab::train::{evaluate_logits, TrainConfig};
use distill_lab::{err, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::runner::{Outcome, Plan, Planned};
use super::training::train;
use super::{mean_std, setup, teacher, MethodsArgs, Setup};

/// Biases tried, 0 to 15 in steps of 0.1.
fn grid() -> Vec<f32> {
    (0..=150).map(|i| i as f32 * 0.1).collect()
}

/// One seed's outcome.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seed {
    errors: f64,
    errors_after: f64,
    /// Test accuracy on the missing classes, %, before and after the bias.
    recall: f64,
    recall_after: f64,
    /// The bias chosen on the held-out examples (`BiasChoice` as JSON) and its value.
    choice: Value,
    bias: f64,
}

#[derive(Args)]
pub struct MissingArgs {
    #[command(flatten)]
    common: MethodsArgs,
}

/// A transfer set: its name, the classes it lacks, its indices, and the data and teacher cut
/// to it.
struct Transfer {
    name: &'static str,
    missing: Vec<usize>,
    examples: usize,
    data: Arc<Dataset>,
    teacher: Arc<TeacherLogits>,
}

/// The students of each transfer set: distilled, then on the hard labels.
const STUDENTS: [(&str, bool); 2] = [("soft targets", true), ("hard labels", false)];

/// `experiment missing3`: jobs each transfer set × (soft targets, hard labels).
pub(super) fn plan(m: MissingArgs) -> Result<Planned> {
    let s = setup(&m.common)?;
    let data = &s.data;
    let held = held_out_from(data.train.len());
    if data.train.len() <= held {
        return Err(err!("the dataset has no held-out training examples"));
    }
    let teacher = teacher(&m.common)?;
    let range = match m.common.train_limit {
        0 => held,
        n => n.min(held),
    };
    let variants = [
        ("no 3s", ClassFilter::Without(vec![3])),
        ("only 7s and 8s", ClassFilter::Only(vec![7, 8])),
    ];
    let cut = |(name, filter): (&'static str, ClassFilter)| {
        let idx = transfer_indices(&data.train, 0..range, &filter);
        Transfer {
            name,
            missing: filter.missing(data.classes()),
            examples: idx.len(),
            data: Arc::new(data.with_train(&idx)),
            teacher: Arc::new(teacher.with_train(&idx)),
        }
    };
    let transfers = Missing(variants.into_iter().map(cut).collect());
    let about = format!(
        "student {} · transfer sets from the first {range} training images",
        m.common.student
    );
    Planned::new(m.common, s, "missing3", about, transfers)
}

/// The transfer sets.
struct Missing(Vec<Transfer>);

impl Plan for Missing {
    fn jobs(&self) -> Vec<String> {
        let jobs = self.0.iter().flat_map(|t| {
            STUDENTS
                .iter()
                .map(move |(student, _)| format!("{}, {student}", t.name))
        });
        jobs.collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let t = &self.0[job / STUDENTS.len()];
        let distilled = STUDENTS[job % STUDENTS.len()].1;
        let data = &s.data;
        let config = TrainConfig {
            train_limit: 0,
            ..s.seeded(seed)
        };
        let run = train(config, &t.data, distilled.then(|| t.teacher.clone()))?;
        let from = held_out_from(data.train.len());
        let held = block_on(run.predict_images(&data.train.images[from * PIXELS..]))?;
        let test = block_on(run.predict_images(&data.test.images))?;
        let choice = choose_bias(&held, &data.train.labels[from..], &t.missing, &grid());
        let fixed = add_bias(&test, data.classes(), &t.missing, choice.bias);
        let labels = &data.test.labels;
        let before = evaluate_logits(0, &test, labels).test_errors;
        let after = evaluate_logits(0, &fixed, labels).test_errors;
        let recall = class_recall(&test, labels, &t.missing).unwrap_or(0.0);
        let recall_after = class_recall(&fixed, labels, &t.missing).unwrap_or(0.0);
        let seed = Seed {
            errors: before as f64,
            errors_after: after as f64,
            recall: 100.0 * recall,
            recall_after: 100.0 * recall_after,
            bias: f64::from(choice.bias),
            choice: serde_json::to_value(&choice).map_err(|e| err!("{e}"))?,
        };
        serde_json::to_value(seed).map_err(|e| err!("{e}"))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        println!(
            "{:<16} {:<12} {:>14} {:>14} {:>10} {:>14} {:>14}",
            "transfer set",
            "student",
            "errors",
            "after bias",
            "bias",
            "missing right",
            "after bias"
        );
        let mut rows = Vec::new();
        for (job, outcomes) in done.iter().enumerate() {
            let t = &self.0[job / STUDENTS.len()];
            let (name, student) = (t.name, STUDENTS[job % STUDENTS.len()].0);
            let per_seed: Vec<Seed> = outcomes.iter().map(Outcome::parse).collect::<Result<_>>()?;
            let col = |f: fn(&Seed) -> f64| -> Vec<f64> { per_seed.iter().map(f).collect() };
            let (errs, errs_after) = (col(|r| r.errors), col(|r| r.errors_after));
            let biases = col(|r| r.bias);
            let (rec, rec_after) = (col(|r| r.recall), col(|r| r.recall_after));
            let (e, ea, b) = (mean_std(&errs), mean_std(&errs_after), mean_std(&biases));
            let (r, ra) = (mean_std(&rec), mean_std(&rec_after));
            println!(
                "{name:<16} {student:<12} {:>7.0} ± {:<4.0} {:>7.0} ± {:<4.0} {:>5.1} ± {:<3.1} {:>6.1} ± {:<4.1}% {:>6.1} ± {:<4.1}%",
                e.0, e.1, ea.0, ea.1, b.0, b.1, r.0, r.1, ra.0, ra.1
            );
            rows.push(json!({
                "transferSet": name, "student": student, "missingClasses": t.missing,
                "transferExamples": t.examples, "testErrors": errs, "testErrorsAfterBias": errs_after,
                "bias": biases, "missingRecall": rec, "missingRecallAfterBias": rec_after,
                "heldOut": per_seed.iter().map(|p| &p.choice).collect::<Vec<_>>(),
                "meanErrors": e.0, "stdErrors": e.1, "meanErrorsAfterBias": ea.0,
                "stdErrorsAfterBias": ea.1, "meanBias": b.0, "meanMissingRecall": r.0,
                "meanMissingRecallAfterBias": ra.0, "stdMissingRecallAfterBias": ra.1,
            }));
        }
        Ok(rows)
    }
}
