//! Drives a run to its end, printing one JSON line per evaluation and a summary.

use std::time::Instant;

use distill_lab::backend::{block_on, BackendKind};
use distill_lab::train::{Evaluation, Run};
use distill_lab::{err, Result};
use serde_json::json;

/// What a finished run measured.
pub struct Summary {
    pub last: Evaluation,
    pub wall_seconds: f64,
}

/// Trains `run` to its last step, evaluating every `eval_every` steps and at the end.
pub fn run_to_end(run: &mut Run, backend: BackendKind) -> Result<Summary> {
    let start = Instant::now();
    let every = match run.config().eval_every {
        0 => run.total_steps(),
        k => k,
    };
    let mut last = None;
    while !run.finished() {
        let report = block_on(run.train_steps(every - run.step() % every))?;
        if let Some(msg) = report.nan_paused {
            return Err(err!("training stopped: {msg}"));
        }
        let eval = block_on(run.evaluate())?;
        let mean = |v: &[f32]| v.iter().map(|&l| f64::from(l)).sum::<f64>() / v.len().max(1) as f64;
        let mean_loss = mean(&report.losses);
        let discriminator = (!report.discriminator_accuracy.is_empty())
            .then(|| mean(&report.discriminator_accuracy));
        println!(
            "{}",
            json!({
                "event": "eval", "step": eval.step, "totalSteps": report.total_steps,
                "epoch": report.epoch, "loss": mean_loss,
                "testAccuracy": eval.test_accuracy, "testErrors": eval.test_errors,
                "testLoss": eval.test_loss,
                "discriminatorAccuracy": discriminator,
                "seconds": start.elapsed().as_secs_f64(),
            })
        );
        last = Some(eval);
    }
    let last = last.ok_or_else(|| err!("the run had no steps"))?;
    let wall_seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "event": "summary", "student": run.spec().to_string(), "backend": backend,
            "testAccuracy": last.test_accuracy, "testErrors": last.test_errors,
            "steps": run.step(), "wallSeconds": wall_seconds,
            "stepsPerSecond": run.step() as f64 / wall_seconds,
            "config": run.config(),
        })
    );
    Ok(Summary { last, wall_seconds })
}
