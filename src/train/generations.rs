//! Chains of students teaching students, trained stage by stage in chunks of steps (so a
//! browser stays responsive) by [`Chain`].
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
use crate::{err, Result};

/// What one stage of a chain reached.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Generation {
    /// The stage's place in the chain (for born-again: 0 = trained on hard labels).
    pub generation: usize,
    /// The student's architecture.
    pub student: String,
    /// Who taught it: `hard labels`, `teacher` or `stage k`.
    pub taught_by: String,
    /// Test accuracy at the end of its training.
    pub test_accuracy: f64,
    /// Test errors out of the test set.
    pub test_errors: usize,
}

/// Where a stage's soft labels come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// None: the stage learns from the hard labels.
    HardLabels,
    /// The chain's (bundled) teacher.
    Teacher,
    /// An earlier stage's trained student.
    Stage(usize),
}

impl Source {
    /// `hard labels`, `teacher` or `stage k`, as tables and the page name it.
    pub fn describe(self) -> String {
        match self {
            Source::HardLabels => "hard labels".into(),
            Source::Teacher => "teacher".into(),
            Source::Stage(j) => format!("stage {j}"),
        }
    }
}

/// One stage: a student architecture, its teacher and its seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub student: String,
    pub source: Source,
    pub seed: u64,
}

/// Where a chain is, after [`Chain::advance`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    /// The stage in training (= `stages` when all are done).
    pub stage: usize,
    pub stages: usize,
    /// Steps done and in all of the current stage.
    pub step: usize,
    pub total_steps: usize,
    /// The stage this call finished, if it finished one.
    pub finished_stage: Option<Generation>,
    /// Whether every stage is done.
    pub finished: bool,
}

/// A chain of runs, each stage learning from the hard labels, the teacher or an earlier stage.
pub struct Chain {
    config: TrainConfig,
    data: Arc<Dataset>,
    device: Device,
    teacher: Option<Arc<TeacherLogits>>,
    stages: Vec<Stage>,
    current: Option<Run>,
    /// Logits of finished stages that a later stage learns from.
    taught: HashMap<usize, Arc<TeacherLogits>>,
    done: Vec<Generation>,
}

impl Chain {
    /// A chain of `stages` with `config`'s settings (each stage's architecture and seed its own).
    pub fn new(
        config: TrainConfig,
        data: Arc<Dataset>,
        teacher: Option<Arc<TeacherLogits>>,
        stages: Vec<Stage>,
        device: &Device,
    ) -> Result<Self> {
        if stages.is_empty() || stages.len() > 10 {
            return Err(err!("a chain has 1 to 10 stages, got {}", stages.len()));
        }
        for (k, s) in stages.iter().enumerate() {
            match s.source {
                Source::Stage(j) if j >= k => {
                    return Err(err!(
                        "stage {k} cannot learn from stage {j}, which comes later"
                    ))
                }
                Source::Teacher if teacher.is_none() => {
                    return Err(err!(
                        "stage {k} learns from the teacher, and none is loaded"
                    ))
                }
                _ => {}
            }
            TrainConfig {
                student: s.student.clone(),
                ..config.clone()
            }
            .validate()
            .map_err(|e| e.context(format!("stage {k}")))?;
        }
        let mut chain = Self {
            config,
            data,
            device: device.clone(),
            teacher,
            stages,
            current: None,
            taught: HashMap::new(),
            done: Vec::new(),
        };
        chain.current = Some(chain.run_for(0)?);
        Ok(chain)
    }

    /// Born-again generations of `config.student`: stage 0 on hard labels, stage k + 1 from
    /// stage k, seeds `config.seed + k`.
    pub fn born_again(
        config: TrainConfig,
        data: Arc<Dataset>,
        generations: usize,
        device: &Device,
    ) -> Result<Self> {
        let stages = (0..generations)
            .map(|k| Stage {
                student: config.student.clone(),
                source: match k {
                    0 => Source::HardLabels,
                    k => Source::Stage(k - 1),
                },
                seed: config.seed + k as u64,
            })
            .collect();
        Self::new(config, data, None, stages, device)
    }

    /// The students of `chain` in turn, the first from `teacher`, each next from the previous.
    pub fn linear(
        config: TrainConfig,
        data: Arc<Dataset>,
        teacher: Arc<TeacherLogits>,
        chain: &[String],
        device: &Device,
    ) -> Result<Self> {
        let stages = chain
            .iter()
            .enumerate()
            .map(|(k, student)| Stage {
                student: student.clone(),
                source: match k {
                    0 => Source::Teacher,
                    k => Source::Stage(k - 1),
                },
                seed: config.seed,
            })
            .collect();
        Self::new(config, data, Some(teacher), stages, device)
    }

    fn run_for(&self, k: usize) -> Result<Run> {
        let stage = &self.stages[k];
        let teacher = match stage.source {
            Source::HardLabels => None,
            Source::Teacher => self.teacher.clone(),
            Source::Stage(j) => self.taught.get(&j).cloned(),
        };
        let config = TrainConfig {
            student: stage.student.clone(),
            seed: stage.seed,
            ..self.config.clone()
        };
        Run::new(config, self.data.clone(), teacher, &self.device)
    }

    /// The stages.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The finished stages' results, in order.
    pub fn generations(&self) -> &[Generation] {
        &self.done
    }

    /// Whether every stage is done.
    pub fn finished(&self) -> bool {
        self.current.is_none()
    }

    /// Trains up to `n` steps of the current stage; a stage that ends is evaluated and, if a
    /// later stage learns from it, its logits become that stage's soft labels. A non-finite loss
    /// is an error naming the stage.
    pub async fn advance(&mut self, n: usize) -> Result<ChainReport> {
        let k = self.done.len();
        let Some(run) = self.current.as_mut() else {
            return Ok(self.report(None));
        };
        let chunk = run.train_steps(n).await?;
        if let Some(msg) = chunk.nan_paused {
            return Err(err!("stage {k} ({}): {msg}", self.stages[k].student));
        }
        if !chunk.finished {
            return Ok(self.report(None));
        }
        let run = self.current.take().expect("checked above");
        let eval = run.evaluate().await?;
        let stage = &self.stages[k];
        let generation = Generation {
            generation: k,
            student: stage.student.clone(),
            taught_by: stage.source.describe(),
            test_accuracy: eval.test_accuracy,
            test_errors: eval.test_errors,
        };
        if self.stages[k + 1..]
            .iter()
            .any(|s| s.source == Source::Stage(k))
        {
            let logits = as_teacher(&run, &self.data).await?;
            self.taught.insert(k, Arc::new(logits));
        }
        self.done.push(generation.clone());
        if k + 1 < self.stages.len() {
            self.current = Some(self.run_for(k + 1)?);
        }
        Ok(self.report(Some(generation)))
    }

    fn report(&self, finished_stage: Option<Generation>) -> ChainReport {
        let (step, total_steps) = self
            .current
            .as_ref()
            .map_or((0, 0), |r| (r.step(), r.total_steps()));
        ChainReport {
            stage: self.done.len(),
            stages: self.stages.len(),
            step,
            total_steps,
            finished_stage,
            finished: self.finished(),
        }
    }

    /// Trains every stage to its end, calling `each` as each stage finishes.
    pub async fn run_to_end(
        mut self,
        mut each: impl FnMut(&Generation),
    ) -> Result<Vec<Generation>> {
        while !self.finished() {
            if let Some(g) = self.advance(usize::MAX).await?.finished_stage {
                each(&g);
            }
        }
        Ok(self.done)
    }
}

/// The logits of a trained run on the whole train and test sets, as a teacher for a later
/// stage.
async fn as_teacher(run: &Run, data: &Dataset) -> Result<TeacherLogits> {
    let train = run.predict_images(&data.train.images).await?;
    let test = run.predict_images(&data.test.images).await?;
    let mut meta = HashMap::new();
    meta.insert("dataset".to_string(), data.name.clone());
    meta.insert("teacher".to_string(), run.spec().to_string());
    Ok(TeacherLogits {
        train,
        test,
        classes: data.classes(),
        meta,
    })
}

/// Trains `generations` born-again generations (≥ 1) of `config.student`; calls `each` after
/// every one.
pub async fn born_again(
    config: TrainConfig,
    data: Arc<Dataset>,
    generations: usize,
    device: &Device,
    each: impl FnMut(&Generation),
) -> Result<Vec<Generation>> {
    Chain::born_again(config, data, generations.max(1), device)?
        .run_to_end(each)
        .await
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
    Chain::linear(config, data, teacher, chain, device)?
        .run_to_end(|_| {})
        .await
}
