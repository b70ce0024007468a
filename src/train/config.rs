//! One source of truth for a training run's settings: the CLI flags and the page map onto it.

use serde::{Deserialize, Serialize};

use super::optim::{learning_rate, Optimizer, Schedule};
use super::progressive::parse_layer_map;
use crate::distill::Ramp;
use crate::model::ModelSpec;
use crate::{err, Result};

/// The distillation loss of a run (with a teacher; without one every run is plain CE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Hinton et al. 2015: `α·CE + (1−α)·τ²·KL` ([`crate::distill::hinton_loss`]).
    #[default]
    Hinton,
    /// Zhao et al. 2022: `α·CE + w·DKD(α_dkd, β_dkd, τ)` ([`crate::distill::dkd_loss`]), the
    /// DKD weight `w` rising linearly from 0 to 1 over the first 10 % of the steps.
    Dkd,
    /// Several teachers, averaged: `α·CE + (1−α)·τ²·KL(mean_k p_k ‖ s)`.
    MultiAverage,
    /// Several teachers, weighted per example by their confidence.
    MultiConfidence,
    /// FitNets (Romero et al. 2015), joint: Hinton's loss + `hint_weight`·hint.
    Fitnets,
    /// FitNets, the paper's two stages: the hint alone first, then Hinton's loss.
    FitnetsTwoStage,
    /// Attention transfer (Zagoruyko & Komodakis 2017) + Hinton's loss; CNN students.
    Attention,
    /// Relational KD (Park et al. 2019): `α·CE + (1−α)·(25·L_D + 50·L_A)`.
    Rkd,
    /// Adversarial distillation: Hinton's loss + `adv_weight`·(fool a discriminator that tells
    /// teacher outputs from student outputs), the discriminator learning alongside.
    Adversarial,
    /// Data-free distillation (DAFL, Chen et al. 2019): a generator invents the inputs from noise
    /// and the student learns the teacher's soft labels on them; no training image is used.
    DataFree,
    /// Progressive layer-wise distillation: teacher→student layer pairs (`layer_map`) distilled
    /// one at a time, shallow first, through learned adapters, then Hinton's loss.
    Progressive,
    /// FSP matrices (Yim et al. 2017), the paper's two stages: the FSP loss alone first, then
    /// Hinton's loss; CNN students with the teacher's conv channels.
    Fsp,
    /// Quantization-aware distillation: Hinton's loss on a student whose weights and layer
    /// inputs are fake-quantized to `bits` bits ([`crate::distill::fake_quant`]).
    Qat,
}

impl Method {
    /// Every method, in the order tables list them.
    pub const ALL: [Method; 13] = [
        Method::Hinton,
        Method::Dkd,
        Method::MultiAverage,
        Method::MultiConfidence,
        Method::Fitnets,
        Method::FitnetsTwoStage,
        Method::Attention,
        Method::Rkd,
        Method::Adversarial,
        Method::DataFree,
        Method::Progressive,
        Method::Fsp,
        Method::Qat,
    ];

    /// Parses a method's [`Method::name`].
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|m| m.name()).collect();
                err!(
                    "unknown method '{name}': expected one of {}",
                    names.join(", ")
                )
            })
    }

    /// The name in configs, links and tables.
    pub fn name(self) -> &'static str {
        match self {
            Method::Hinton => "hinton",
            Method::Dkd => "dkd",
            Method::MultiAverage => "multi-average",
            Method::MultiConfidence => "multi-confidence",
            Method::Fitnets => "fitnets",
            Method::FitnetsTwoStage => "fitnets-two-stage",
            Method::Attention => "attention",
            Method::Rkd => "rkd",
            Method::Adversarial => "adversarial",
            Method::DataFree => "data-free",
            Method::Progressive => "progressive",
            Method::Fsp => "fsp",
            Method::Qat => "qat",
        }
    }

    /// Whether it needs the teacher network's intermediate features (not only its logits).
    pub fn needs_teacher_net(self) -> bool {
        matches!(
            self,
            Method::Fitnets
                | Method::FitnetsTwoStage
                | Method::Attention
                | Method::Rkd
                | Method::Fsp
                | Method::DataFree
                | Method::Progressive
        )
    }

    /// Whether it needs more than one teacher.
    pub fn multi_teacher(self) -> bool {
        matches!(self, Method::MultiAverage | Method::MultiConfidence)
    }
}

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
    /// The distillation loss.
    pub method: Method,
    /// FitNets: weight of the hint term in the joint variant.
    pub hint_weight: f32,
    /// Attention transfer: β (the AT terms are weighted β/2; paper: 1000).
    pub at_beta: f32,
    /// Adversarial distillation: weight of the student's fool-the-discriminator term.
    pub adv_weight: f32,
    /// DKD's weight of the target-class term (paper: 1).
    pub dkd_alpha: f32,
    /// DKD's weight of the non-target-class term (paper: 8).
    pub dkd_beta: f32,
    /// How α and τ move from their start values to `alpha_end` / `tau_end` over the run.
    pub ramp: Ramp,
    /// α at the end of the run (with a ramp other than constant); `None` = α.
    pub alpha_end: Option<f32>,
    /// τ at the end of the run (with a ramp other than constant); `None` = τ.
    pub tau_end: Option<f32>,
    /// Entropy-matched per-example τ: each example's τ makes the teacher's softened output carry
    /// this many bits (Hinton's loss only); `None` = the scheduled τ for every example.
    pub target_entropy: Option<f32>,
    /// Quantization-aware distillation: bits per weight and activation, `2..=8`.
    pub bits: u32,
    /// Progressive distillation: the teacher→student layer pairs, `"t:s,t:s"` (1-based feature
    /// layers, shallow first); empty = chosen from the two architectures.
    pub layer_map: String,
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
            method: Method::Hinton,
            hint_weight: 1.0,
            at_beta: 1000.0,
            adv_weight: 1.0,
            dkd_alpha: 1.0,
            dkd_beta: 8.0,
            ramp: Ramp::Constant,
            alpha_end: None,
            tau_end: None,
            target_entropy: None,
            bits: 8,
            layer_map: String::new(),
        }
    }
}

impl TrainConfig {
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
        for (value, field) in [
            (self.dkd_alpha, "dkd alpha"),
            (self.dkd_beta, "dkd beta"),
            (self.hint_weight, "hint weight"),
            (self.adv_weight, "adversarial weight"),
        ] {
            check(
                (0.0..=100.0).contains(&value),
                field,
                "a number in [0, 100]",
                value.to_string(),
            )?;
        }
        check(
            (0.0..=100_000.0).contains(&self.at_beta),
            "at beta",
            "a number in [0, 100000]",
            self.at_beta.to_string(),
        )?;
        parse_layer_map(&self.layer_map)?;
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
        if let Some(h) = self.target_entropy {
            check(
                h > 0.0 && h < 10f32.log2(),
                "target entropy",
                "bits in (0, 3.32)",
                h.to_string(),
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
        let (lo, hi) = crate::distill::BITS_RANGE;
        check(
            (lo..=hi).contains(&self.bits),
            "bits",
            "an integer in 2..=8",
            self.bits.to_string(),
        )?;
        Ok(spec)
    }

    /// The bits the student's forward pass is fake-quantized to while it learns from a teacher
    /// (method `qat`); `None` = full precision.
    pub fn fake_quant_bits(&self) -> Option<u32> {
        (self.method == Method::Qat).then_some(self.bits)
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
