//! One source of truth for a training run's settings: the CLI flags and the page map onto it.

use serde::{Deserialize, Serialize};

use super::optim::{learning_rate, Optimizer, Schedule};
use crate::distill::Ramp;
use crate::method::{MethodRef, Params};
use crate::model::ModelSpec;
use crate::{err, Result};

/// Settings of one training run (a distilled student, a hard-label baseline or a teacher).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TrainConfig {
    /// Student architecture, e.g. `mlp:800,800`.
    pub student: String,
    /// Weight of the hard-label cross-entropy, in `[0, 1]`; 1 = no distillation.
    pub alpha: f32,
    /// Distillation temperature τ, in `[0.05, 100]`.
    pub tau: f32,
    /// Adam learning rate, in `(0, 1]`.
    pub lr: f64,
    /// Learning-rate schedule (after the warm-up).
    pub schedule: Schedule,
    /// Share of the steps spent warming the learning rate up linearly, `[0, 0.5]`.
    pub warmup: f32,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// SGD's momentum μ, `[0, 0.999]`.
    pub momentum: f64,
    /// Mini-batch size, `1..=4096`.
    pub batch_size: usize,
    /// Passes over the training set, `1..=1000`.
    pub epochs: usize,
    /// Seed of the initial weights and of the batch order.
    pub seed: u64,
    /// Evaluate on the test set every this many steps (0 = only at the end).
    pub eval_every: usize,
    /// Dropout probability after hidden dense layers, `[0, 0.9]` (teachers).
    pub dropout: f64,
    /// Random translation of training images by up to this many pixels, `0..=4` (teachers).
    pub jitter: usize,
    /// Use only the first this many training examples (0 = all); for quick runs and tests.
    pub train_limit: usize,
    /// The distillation method (by its key in configs).
    pub method: MethodRef,
    /// How α and τ move from their start values to `alpha_end` / `tau_end` over the run.
    pub ramp: Ramp,
    /// α at the end of the run (with a ramp other than constant); `None` = α.
    pub alpha_end: Option<f32>,
    /// τ at the end of the run (with a ramp other than constant); `None` = τ.
    pub tau_end: Option<f32>,
    /// The methods' parameters by key (`dkdBeta`, `bits`, …; see each method's file), in the
    /// config's JSON beside the other fields.
    #[serde(flatten)]
    pub params: Params,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            student: "mlp:800,800".into(),
            alpha: 0.5,
            tau: 4.0,
            lr: 1e-3,
            schedule: Schedule::Constant,
            warmup: 0.0,
            optimizer: Optimizer::Adam,
            momentum: 0.9,
            batch_size: 64,
            epochs: 3,
            seed: 1,
            eval_every: 500,
            dropout: 0.0,
            jitter: 0,
            train_limit: 0,
            method: MethodRef::default(),
            ramp: Ramp::Constant,
            alpha_end: None,
            tau_end: None,
            params: Params::default(),
        }
    }
}

impl TrainConfig {
    /// A teacher's training on hard labels only (α = 1): Adam at 1e-3 with a cosine schedule,
    /// batches of 128, evaluated at the end. `train-teacher` and the page's in-tab teacher.
    pub fn teacher(arch: &str, epochs: usize) -> Self {
        Self {
            student: arch.into(),
            alpha: 1.0,
            epochs,
            lr: 1e-3,
            schedule: Schedule::Cosine,
            batch_size: 128,
            eval_every: 0,
            ..Self::default()
        }
    }

    /// Checks every field, naming the first one out of range.
    pub fn validate(&self) -> Result<ModelSpec> {
        let spec = ModelSpec::parse(&self.student).map_err(|e| e.context("student"))?;
        let check = |ok: bool, field: &str, range: &str, value: String| {
            if ok {
                Ok(())
            } else {
                Err(err!("{field} = {value} is out of range: expected {range}"))
            }
        };
        check(
            (0.0..=1.0).contains(&self.alpha),
            "alpha",
            "a number in [0, 1]",
            self.alpha.to_string(),
        )?;
        check(
            (0.05..=100.0).contains(&self.tau),
            "tau",
            "a number in [0.05, 100]",
            self.tau.to_string(),
        )?;
        check(
            self.lr > 0.0 && self.lr <= 1.0,
            "lr",
            "a number in (0, 1]",
            self.lr.to_string(),
        )?;
        check(
            (1..=4096).contains(&self.batch_size),
            "batch size",
            "an integer in 1..=4096",
            self.batch_size.to_string(),
        )?;
        check(
            (1..=1000).contains(&self.epochs),
            "epochs",
            "an integer in 1..=1000",
            self.epochs.to_string(),
        )?;
        check(
            (0.0..=0.9).contains(&self.dropout),
            "dropout",
            "a number in [0, 0.9]",
            self.dropout.to_string(),
        )?;
        check(
            self.jitter <= 4,
            "jitter",
            "an integer in 0..=4",
            self.jitter.to_string(),
        )?;
        self.params.validate()?;
        if let Some(a) = self.alpha_end {
            check(
                (0.0..=1.0).contains(&a),
                "alpha end",
                "a number in [0, 1]",
                a.to_string(),
            )?;
        }
        if let Some(t) = self.tau_end {
            check(
                (0.05..=100.0).contains(&t),
                "tau end",
                "a number in [0.05, 100]",
                t.to_string(),
            )?;
        }
        check(
            (0.0..=0.5).contains(&self.warmup),
            "warmup",
            "a share of the steps in [0, 0.5]",
            self.warmup.to_string(),
        )?;
        check(
            (0.0..=0.999).contains(&self.momentum),
            "momentum",
            "a number in [0, 0.999]",
            self.momentum.to_string(),
        )?;
        Ok(spec)
    }

    /// The bits the student's forward pass is fake-quantized to while it learns from a teacher
    /// (quantization-aware methods); `None` = full precision.
    pub fn fake_quant_bits(&self) -> Option<u32> {
        self.method.get().fake_quant_bits(self)
    }

    /// `self` with the method `key` (a programming error if it is not registered).
    pub fn with_method(self, key: &str) -> Self {
        let method = MethodRef::parse(key).unwrap_or_else(|e| panic!("{e}"));
        Self { method, ..self }
    }

    /// `self` with the method parameter `key` set to `value` (panics on a bad value).
    pub fn with_param(self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        Self {
            params: self.params.with(key, value),
            ..self
        }
    }

    /// α at `step` of `total` (the ramp from `alpha` to `alpha_end`).
    pub fn alpha_at(&self, step: usize, total: usize) -> f32 {
        let t = step as f32 / total.max(1) as f32;
        self.ramp
            .at(self.alpha, self.alpha_end.unwrap_or(self.alpha), t)
    }

    /// τ at `step` of `total` (the ramp from `tau` to `tau_end`).
    pub fn tau_at(&self, step: usize, total: usize) -> f32 {
        let t = step as f32 / total.max(1) as f32;
        self.ramp.at(self.tau, self.tau_end.unwrap_or(self.tau), t)
    }

    /// The learning rate at `step` of `total` ([`learning_rate`]).
    pub fn lr_at(&self, step: usize, total: usize) -> f64 {
        learning_rate(self.lr, self.schedule, self.warmup, step, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_bad_field() {
        assert!(TrainConfig::default().validate().is_ok());
        let bad = [
            TrainConfig {
                alpha: 1.5,
                ..Default::default()
            },
            TrainConfig {
                tau: 0.0,
                ..Default::default()
            },
            TrainConfig {
                lr: f64::NAN,
                ..Default::default()
            },
            TrainConfig {
                batch_size: 0,
                ..Default::default()
            },
            TrainConfig {
                epochs: 0,
                ..Default::default()
            },
            TrainConfig {
                student: "mlp:x".into(),
                ..Default::default()
            },
        ];
        let fields = ["alpha", "tau", "lr", "batch size", "epochs", "student"];
        for (c, f) in bad.iter().zip(fields) {
            let e = c.validate().unwrap_err();
            assert!(e.message().contains(f), "{e} should name {f}");
        }
    }

    #[test]
    fn cosine_schedule_goes_from_lr_to_zero() {
        let c = TrainConfig {
            schedule: Schedule::Cosine,
            lr: 0.1,
            ..Default::default()
        };
        assert!((c.lr_at(0, 100) - 0.1).abs() < 1e-12);
        assert!((c.lr_at(50, 100) - 0.05).abs() < 1e-12);
        assert!(c.lr_at(100, 100).abs() < 1e-12);
    }
}
