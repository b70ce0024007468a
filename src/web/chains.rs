//! Students teaching students in the page: born-again generations and the teacher-assistant
//! comparison, trained in chunks beside (not instead of) the race.

use wasm_bindgen::prelude::*;

use super::config::train_config;
use super::{js_err, to_js, Lab};
use crate::analysis::{fit_logistic, logistic};
use crate::data::ClassFilter;
use crate::model::file_spec;
use crate::model::ModelSpec;
use crate::train::{Chain, Source, Stage};

#[wasm_bindgen]
impl Lab {
    /// Starts a chain with the page's settings (student, α, τ, method, epochs, …), replacing any
    /// chain before it:
    /// - `born-again`: `generations` generations of the student, the first on hard labels;
    /// - `ta-chain`: the student from the teacher directly, then the assistant (`mlp:` +
    ///   `assistant`, e.g. `256,256`) from the teacher and the student from the assistant.
    ///
    /// Returns the stages: `[{student, taughtBy}]`.
    #[wasm_bindgen(js_name = chainStart)]
    pub fn chain_start(
        &mut self,
        kind: &str,
        config: JsValue,
        generations: usize,
        assistant: &str,
    ) -> Result<JsValue, JsError> {
        let (config, _, transfer) = train_config(config)?;
        let (data, teacher) = self.loaded()?;
        let (data, teacher) = (data.clone(), teacher.clone());
        self.chain = None;
        if transfer != ClassFilter::All {
            return Err(JsError::new(
                "chains train on every class: set the transfer set to all classes",
            ));
        }
        if config.method.needs().teacher_net || config.method.needs().teachers > 1 {
            return Err(JsError::new(&format!(
                "chains learn from one teacher's logits: choose a logit method, not {}",
                config.method
            )));
        }
        let chain = match kind {
            "born-again" => {
                if !(2..=5).contains(&generations) {
                    return Err(JsError::new(&format!(
                        "generations = {generations}: expected 2 to 5"
                    )));
                }
                Chain::born_again(config, data, generations, &self.device)
            }
            "ta-chain" => {
                let assistant = ModelSpec::parse(&format!("mlp:{assistant}"))
                    .map_err(|e| js_err(e.context("assistant")))?
                    .to_string();
                let stage = |student: &str, source| Stage {
                    student: student.to_string(),
                    source,
                    seed: config.seed,
                };
                let stages = vec![
                    stage(&config.student, Source::Teacher),
                    stage(&assistant, Source::Teacher),
                    stage(&config.student, Source::Stage(1)),
                ];
                Chain::new(config, data, Some(teacher), stages, &self.device)
            }
            "capacity" => {
                // A sweep rather than a chain: one-hidden-layer students of each width, each taught
                // by the teacher, for the capacity "law" (capacityFit).
                let stages = parse_widths(assistant)?
                    .into_iter()
                    .map(|w| Stage {
                        student: format!("mlp:{w}"),
                        source: Source::Teacher,
                        seed: config.seed,
                    })
                    .collect();
                Chain::new(config, data, Some(teacher), stages, &self.device)
            }
            other => {
                return Err(JsError::new(&format!(
                    "unknown chain '{other}': expected born-again, ta-chain or capacity"
                )))
            }
        }
        .map_err(js_err)?;
        let stages: Vec<_> = chain
            .stages()
            .iter()
            .map(|s| serde_json::json!({"student": s.student, "taughtBy": s.source.describe()}))
            .collect();
        self.chain = Some(chain);
        to_js(&stages)
    }

    /// The capacity "law" fitted to a finished capacity sweep: `{teacherParameters,
    /// teacherAccuracy, points: [[C_S/C_T, Acc_S/Acc_T], …], fit: {k, theta, r2, residuals, …},
    /// curveAt30Percent}`.
    #[wasm_bindgen(js_name = capacityFit)]
    pub fn capacity_fit(&self) -> Result<JsValue, JsError> {
        let chain = self
            .chain
            .as_ref()
            .ok_or_else(|| JsError::new("no capacity sweep: start one first"))?;
        let (data, teacher) = self.loaded()?;
        let teacher_spec = file_spec(&self.teacher_bytes)
            .ok_or_else(|| JsError::new("the teacher's weight file names no architecture"))?;
        let teacher_params = teacher_spec.num_params(data.classes()) as f64;
        let (teacher_acc, _) = teacher.test_accuracy(&data.test.labels);
        let points = chain
            .generations()
            .iter()
            .map(|g| {
                let params = ModelSpec::parse(&g.student)
                    .map_err(js_err)?
                    .num_params(data.classes()) as f64;
                Ok((params / teacher_params, g.test_accuracy / teacher_acc))
            })
            .collect::<Result<Vec<_>, JsError>>()?;
        let fit = fit_logistic(&points).map_err(js_err)?;
        to_js(&serde_json::json!({
            "teacherParameters": teacher_params, "teacherAccuracy": teacher_acc,
            "points": points, "fit": fit, "curveAt30Percent": logistic(0.3, fit.k, fit.theta),
        }))
    }

    /// Trains up to `n` steps of the chain's current stage:
    /// `{stage, stages, step, totalSteps, finishedStage, finished}`.
    #[wasm_bindgen(js_name = chainSteps)]
    pub async fn chain_steps(&mut self, n: usize) -> Result<JsValue, JsError> {
        let chain = self
            .chain
            .as_mut()
            .ok_or_else(|| JsError::new("no chain: start one first"))?;
        match chain.advance(n).await {
            Ok(report) => to_js(&report),
            Err(e) => {
                self.chain = None;
                Err(js_err(e))
            }
        }
    }

    /// Drops the chain (its training stops).
    #[wasm_bindgen(js_name = chainStop)]
    pub fn chain_stop(&mut self) {
        self.chain = None;
    }
}

/// Hidden widths `"2,4,8"` for a capacity sweep: 2 to 12 widths, each 1 to 4096.
fn parse_widths(text: &str) -> Result<Vec<usize>, JsError> {
    let widths: Vec<usize> = text
        .split(',')
        .map(|w| {
            w.trim()
                .parse::<usize>()
                .ok()
                .filter(|w| (1..=4096).contains(w))
        })
        .collect::<Option<_>>()
        .ok_or_else(|| {
            JsError::new(&format!(
                "widths '{text}': expected numbers 1 to 4096, e.g. 2,8,32,128"
            ))
        })?;
    if !(2..=12).contains(&widths.len()) {
        return Err(JsError::new("a capacity sweep needs 2 to 12 widths"));
    }
    Ok(widths)
}
