//! Students teaching students in the page: born-again generations and the teacher-assistant
//! comparison, trained in chunks beside (not instead of) the race.

use wasm_bindgen::prelude::*;

use super::{js_err, to_js, train_config, Lab};
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
        let (config, _) = train_config(config)?;
        let (data, teacher) = self.loaded()?;
        let (data, teacher) = (data.clone(), teacher.clone());
        self.chain = None;
        if config.method.needs_teacher_net() || config.method.multi_teacher() {
            return Err(JsError::new(&format!(
                "chains learn from one teacher's logits: choose a logit method, not {}",
                config.method.name()
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
            other => {
                return Err(JsError::new(&format!(
                    "unknown chain '{other}': expected born-again or ta-chain"
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
