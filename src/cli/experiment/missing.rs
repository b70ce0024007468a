//! `experiment missing3`: Hinton et al. (2015, §3)'s transfer sets without the 3s, or with only
//! the 7s and 8s. The student learns from the teacher's soft labels on the other classes; then
//! the bias of the missing classes is raised by an amount chosen on held-out training examples
//! (the last 10,000, never in the transfer set), never on the test set.

use std::sync::Arc;

use clap::Args;
use distill_lab::analysis::{add_bias, choose_bias, class_recall, BiasChoice};
use distill_lab::backend::block_on;
use distill_lab::data::{transfer_indices, ClassFilter, HELD_OUT_FROM, PIXELS};
use distill_lab::train::{evaluate_logits, TrainConfig};
use distill_lab::{err, Result};
use serde_json::json;

use super::quant::train;
use super::{mean_std, setup, write_results, MethodsArgs, Setup};
use crate::cli::load_teachers;

/// Biases tried, 0 to 15 in steps of 0.1.
fn grid() -> Vec<f32> {
    (0..=150).map(|i| i as f32 * 0.1).collect()
}

/// One seed's outcome.
struct Seed {
    errors: f64,
    errors_after: f64,
    /// Test accuracy on the missing classes, %, before and after the bias.
    recall: f64,
    recall_after: f64,
    choice: BiasChoice,
}

#[derive(Args)]
pub struct MissingArgs {
    #[command(flatten)]
    common: MethodsArgs,
}

pub fn missing_table(m: MissingArgs) -> Result<()> {
    let a = &m.common;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    if data.train.len() <= HELD_OUT_FROM {
        return Err(err!("the dataset has no held-out training examples"));
    }
    let teacher = load_teachers(&[], &a.dataset, 1)?.remove(0);
    let range = match a.train_limit {
        0 => HELD_OUT_FROM,
        n => n.min(HELD_OUT_FROM),
    };
    let held_images = &data.train.images[HELD_OUT_FROM * PIXELS..];
    let held_labels = &data.train.labels[HELD_OUT_FROM..];
    let variants = [
        ("no 3s", ClassFilter::Without(vec![3])),
        ("only 7s and 8s", ClassFilter::Only(vec![7, 8])),
    ];
    let mut rows = Vec::new();
    println!(
        "{} · student {} · {} epochs · transfer set from the first {range} training images · τ {} · α {} · seeds 1..={}",
        kind.name(),
        a.student,
        a.epochs,
        a.tau,
        a.alpha,
        a.seeds
    );
    println!(
        "{:<16} {:<12} {:>14} {:>14} {:>10} {:>14} {:>14}",
        "transfer set", "student", "errors", "after bias", "bias", "missing right", "after bias"
    );
    for (name, filter) in variants {
        let missing = filter.missing(data.classes());
        let idx = transfer_indices(&data.train, 0..range, &filter);
        let cut = Arc::new(data.with_train(&idx));
        let cut_teacher = Arc::new(teacher.with_train(&idx));
        for distilled in [true, false] {
            let mut per_seed = Vec::new();
            for seed in 1..=a.seeds {
                let config = TrainConfig {
                    seed,
                    train_limit: 0,
                    ..base.clone()
                };
                let t = distilled.then(|| cut_teacher.clone());
                let run = train(config, &cut, t)?;
                let held = block_on(run.predict_images(held_images))?;
                let test = block_on(run.predict_images(&data.test.images))?;
                let choice = choose_bias(&held, held_labels, &missing, &grid());
                let fixed = add_bias(&test, data.classes(), &missing, choice.bias);
                let labels = &data.test.labels;
                let before = evaluate_logits(0, &test, labels).test_errors;
                let after = evaluate_logits(0, &fixed, labels).test_errors;
                let recall = class_recall(&test, labels, &missing).unwrap_or(0.0);
                let recall_after = class_recall(&fixed, labels, &missing).unwrap_or(0.0);
                per_seed.push(Seed {
                    errors: before as f64,
                    errors_after: after as f64,
                    recall: 100.0 * recall,
                    recall_after: 100.0 * recall_after,
                    choice,
                });
            }
            let col = |f: fn(&Seed) -> f64| -> Vec<f64> { per_seed.iter().map(f).collect() };
            let (errs, errs_after) = (col(|r| r.errors), col(|r| r.errors_after));
            let biases = col(|r| f64::from(r.choice.bias));
            let (rec, rec_after) = (col(|r| r.recall), col(|r| r.recall_after));
            let (e, ea, b) = (mean_std(&errs), mean_std(&errs_after), mean_std(&biases));
            let (r, ra) = (mean_std(&rec), mean_std(&rec_after));
            let student = if distilled {
                "soft targets"
            } else {
                "hard labels"
            };
            println!(
                "{name:<16} {student:<12} {:>7.0} ± {:<4.0} {:>7.0} ± {:<4.0} {:>5.1} ± {:<3.1} {:>6.1} ± {:<4.1}% {:>6.1} ± {:<4.1}%",
                e.0, e.1, ea.0, ea.1, b.0, b.1, r.0, r.1, ra.0, ra.1
            );
            rows.push(json!({
                "transferSet": name, "student": student, "missingClasses": missing,
                "transferExamples": idx.len(), "testErrors": errs, "testErrorsAfterBias": errs_after,
                "bias": biases, "missingRecall": rec, "missingRecallAfterBias": rec_after,
                "heldOut": per_seed.iter().map(|p| &p.choice).collect::<Vec<_>>(),
                "meanErrors": e.0, "stdErrors": e.1, "meanErrorsAfterBias": ea.0,
                "stdErrorsAfterBias": ea.1, "meanBias": b.0, "meanMissingRecall": r.0,
                "meanMissingRecallAfterBias": ra.0, "stdMissingRecallAfterBias": ra.1,
            }));
        }
    }
    write_results(a, kind, "missing3", started, rows)
}
