//! The settings the page sends with `start`, and their translation into a [`TrainConfig`].

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::js_err;
use crate::data::ClassFilter;
use crate::distill::Ramp;
use crate::method::{all_params, MethodRef};
use crate::train::{Optimizer, Schedule, TrainConfig};

/// The settings the page sends with `start`.
#[derive(Debug, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PageConfig {
    hidden: Vec<usize>,
    alpha: f32,
    tau: f32,
    lr: f64,
    batch_size: usize,
    epochs: usize,
    seed: u64,
    eval_every: usize,
    train_limit: usize,
    /// Also train the hard-label twin (the race).
    race: bool,
    /// The distillation method: a key of the registry ([`crate::method::REGISTRY`]).
    method: String,
    /// `constant`, `linear` or `cosine`: how τ moves to `tau_end`.
    ramp: Ramp,
    /// τ at the end of the run.
    tau_end: Option<f32>,
    /// `mlp` (hidden = dense widths) or `cnn` (hidden = two conv channels and a dense width).
    arch: String,
    /// The transfer set: `all`, `no3` or `only78` ([`ClassFilter::parse`]).
    transfer: String,
    /// `adam`, `sgd` (momentum 0.9) or `lion`.
    optimizer: Optimizer,
    /// Learning-rate schedule after the warm-up.
    schedule: Schedule,
    /// Share of the steps warming the learning rate up.
    warmup: f32,
    /// Everything else: the registered methods' parameters by key (`dkdBeta`, `bits`, …) are
    /// taken from here; other keys are ignored.
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

impl Default for PageConfig {
    fn default() -> Self {
        let d = TrainConfig::default();
        Self {
            hidden: vec![800, 800],
            alpha: d.alpha,
            tau: d.tau,
            lr: d.lr,
            batch_size: d.batch_size,
            epochs: d.epochs,
            seed: d.seed,
            eval_every: d.eval_every,
            train_limit: 0,
            race: true,
            method: MethodRef::default().key().into(),
            ramp: Ramp::Constant,
            tau_end: None,
            arch: "mlp".into(),
            transfer: "all".into(),
            optimizer: d.optimizer,
            schedule: d.schedule,
            warmup: d.warmup,
            rest: serde_json::Map::new(),
        }
    }
}

/// The page's settings as a [`TrainConfig`], whether to race a hard-label twin, and the transfer
/// set; the error names an invalid field.
pub(super) fn train_config(config: JsValue) -> Result<(TrainConfig, bool, ClassFilter), JsError> {
    let page: PageConfig = serde_wasm_bindgen::from_value(config)
        .map_err(|e| JsError::new(&format!("bad settings: {e}")))?;
    let widths: Vec<String> = page.hidden.iter().map(ToString::to_string).collect();
    if page.arch == "cnn" && widths.len() != 3 {
        return Err(JsError::new(
        "a CNN student needs three widths: the channels of its two conv blocks and its dense width, e.g. 8,16,64",
        ));
    }
    let arch = if page.arch == "cnn" { "cnn" } else { "mlp" };
    let config = TrainConfig {
        student: format!("{arch}:{}", widths.join(",")),
        alpha: page.alpha,
        tau: page.tau,
        lr: page.lr,
        batch_size: page.batch_size,
        epochs: page.epochs,
        seed: page.seed,
        eval_every: page.eval_every,
        train_limit: page.train_limit,
        method: MethodRef::parse(&page.method).map_err(js_err)?,
        ramp: page.ramp,
        tau_end: page.tau_end,
        optimizer: page.optimizer,
        schedule: page.schedule,
        warmup: page.warmup,
        ..TrainConfig::default()
    };
    let mut config = config;
    for p in all_params() {
        if let Some(value) = page.rest.get(p.key) {
            config.params.set(p.key, value.clone()).map_err(js_err)?;
        }
    }
    let transfer = ClassFilter::parse(&page.transfer).map_err(js_err)?;
    Ok((config, page.race, transfer))
}
