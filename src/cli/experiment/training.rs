//! Training one student to the end of its budget on the CPU: what the experiments' units share.

use std::sync::Arc;

use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::Dataset;
use distill_lab::model::TeacherLogits;
use distill_lab::train::{Run, TrainConfig};
use distill_lab::{err, Result};

use crate::cli::attach_teacher_net;

/// A fresh student of `config` trained to its last step on `data`, learning from `teachers`
/// (none: the hard labels; an `Option` or a `Vec`), with the teacher network attached where the
/// method needs its features. Everything random is seeded from `config.seed`.
pub(super) fn train(
    config: TrainConfig,
    data: &Arc<Dataset>,
    teachers: impl IntoIterator<Item = Arc<TeacherLogits>>,
) -> Result<Run> {
    let teachers = teachers.into_iter().collect();
    let mut run = Run::with_teachers(config, data.clone(), teachers, &cpu_device())?;
    attach_teacher_net(&mut run)?;
    finish(run)
}

/// Trains `run` through its remaining steps; an error if a NaN paused it.
pub(super) fn finish(mut run: Run) -> Result<Run> {
    let report = block_on(run.train_steps(run.total_steps() - run.step()))?;
    match report.nan_paused {
        Some(msg) => Err(err!("training stopped: {msg}")),
        None => Ok(run),
    }
}
