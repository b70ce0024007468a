//! Chains of students teaching students.
//!
//! - Born-again networks (Furlanello, Lipton, Tschannen, Itti & Anandkumar, ICML 2018):
//!   generation 0 is the student architecture trained on hard labels; generation k + 1 has the
//!   same architecture (a fresh initialisation, seed + k) and learns from generation k's logits
//!   on the training set with the run's method and α, τ — no external teacher at all.
//! - Teacher-assistant chains (Mirzadeh, Farajtabar, Li, Levine, Matsukawa & Ghasemzadeh, AAAI
//!   2020): when the capacity gap between teacher and student is large, an intermediate
//!   "assistant" learns from the teacher first and then teaches the student.

use std::collections::HashMap;
use std::sync::Arc;

use burn::tensor::Device;
use serde::Serialize;

use super::{Run, TrainConfig};
use crate::data::Dataset;
use crate::model::TeacherLogits;
use crate::Result;

/// What one generation reached.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Generation {
    /// 0 = trained on hard labels.
    pub generation: usize,
    /// Test accuracy at the end of its training.
    pub test_accuracy: f64,
    /// Test errors out of the test set.
    pub test_errors: usize,
}

/// The logits of a trained run on the whole train and test sets, as a teacher for the next
/// generation.
async fn as_teacher(run: &Run, data: &Dataset) -> Result<TeacherLogits> {
    let train = run.predict_images(&data.train.images).await?;
    let test = run.predict_images(&data.test.images).await?;
    let mut meta = HashMap::new();
    meta.insert("dataset".to_string(), data.kind.name().to_string());
    meta.insert("teacher".to_string(), run.spec().to_string());
    Ok(TeacherLogits { train, test, meta })
}

/// Trains `generations` generations (≥ 1) of `config.student`; calls `each` after every one.
pub async fn born_again(
    config: TrainConfig,
    data: Arc<Dataset>,
    generations: usize,
    device: &Device,
    mut each: impl FnMut(&Generation),
) -> Result<Vec<Generation>> {
    let mut out = Vec::new();
    let mut teacher: Option<Arc<TeacherLogits>> = None;
    for k in 0..generations.max(1) {
        let seeded = TrainConfig {
            seed: config.seed + k as u64,
            ..config.clone()
        };
        let mut run = Run::new(seeded, data.clone(), teacher.take(), device)?;
        let report = run.train_steps(run.total_steps()).await?;
        if let Some(msg) = report.nan_paused {
            return Err(crate::err!("generation {k}: {msg}"));
        }
        let eval = run.evaluate().await?;
        let g = Generation {
            generation: k,
            test_accuracy: eval.test_accuracy,
            test_errors: eval.test_errors,
        };
        each(&g);
        out.push(g);
        if k + 1 < generations {
            teacher = Some(Arc::new(as_teacher(&run, &data).await?));
        }
    }
    Ok(out)
}

/// Distils along `chain`: the first student learns from `teacher`, each next one from the
/// previous student's logits. Returns each student's test accuracy and errors, in order.
pub async fn teacher_assistant_chain(
    config: TrainConfig,
    data: Arc<Dataset>,
    teacher: Arc<TeacherLogits>,
    chain: &[String],
    device: &Device,
) -> Result<Vec<Generation>> {
    let mut out = Vec::new();
    let mut current = teacher;
    for (k, student) in chain.iter().enumerate() {
        let c = TrainConfig {
            student: student.clone(),
            ..config.clone()
        };
        let mut run = Run::new(c, data.clone(), Some(current.clone()), device)?;
        let report = run.train_steps(run.total_steps()).await?;
        if let Some(msg) = report.nan_paused {
            return Err(crate::err!("{student}: {msg}"));
        }
        let eval = run.evaluate().await?;
        out.push(Generation {
            generation: k,
            test_accuracy: eval.test_accuracy,
            test_errors: eval.test_errors,
        });
        if k + 1 < chain.len() {
            current = Arc::new(as_teacher(&run, &data).await?);
        }
    }
    Ok(out)
}
