//! Optimizers and learning-rate schedules.
//!
//! - **Adam** (Kingma & Ba 2015) with burn's defaults (β = 0.9, 0.999; ε = 1e-5);
//! - **SGD with momentum**: `v ← μ·v + g` (the first step `v = g`), `θ ← θ − η·v`, PyTorch's
//!   `SGD(momentum=μ)` without dampening;
//! - **Lion** (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"):
//!   `θ ← θ − η·sign(β₁·m + (1−β₁)·g)`, then `m ← β₂·m + (1−β₂)·g`, β = 0.9, 0.99, no weight
//!   decay. Every step of Lion moves each weight by exactly η; the paper advises a rate 3–10×
//!   below AdamW's for long runs, but on our short MNIST runs Adam's own rate did best
//!   (mlp:64, 2 epochs on 10,000 examples: 91.1 % at 2e-3, 88.6 % at 1e-3, 80.2 % at 3e-4).
//!
//! The rate at step `t` of `T`: a linear warm-up `η·(t+1)/W` over the first
//! `W = round(warmup·T)` steps, then the schedule over the remaining `T − W` steps:
//! constant; cosine `η·(1 + cos(π·t'/(T−W)))/2`; or step, `η` divided by 10 at 50 % and again at
//! 75 % of them. These equal PyTorch's `LinearLR` + `CosineAnnealingLR` / `MultiStepLR` in a
//! `SequentialLR` (tests/golden/gen_optim.py).
//!
//! The update rules themselves are in [`Optim`] (optim_step.rs).

use serde::{Deserialize, Serialize};

use super::optim_step::Optim;

/// Learning-rate schedule over the run (after any warm-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The same rate throughout.
    #[default]
    Constant,
    /// Cosine annealing from `lr` to 0.
    Cosine,
    /// ÷10 at 50 % and at 75 % of the steps.
    Step,
}

impl Schedule {
    /// Parses `constant`, `cosine` or `step`.
    pub fn parse(name: &str) -> crate::Result<Self> {
        match name {
            "constant" => Ok(Self::Constant),
            "cosine" => Ok(Self::Cosine),
            "step" => Ok(Self::Step),
            other => Err(crate::err!(
                "schedule '{other}': expected constant, cosine or step"
            )),
        }
    }
}

/// The optimizer of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    #[default]
    Adam,
    Sgd,
    Lion,
}

impl Optimizer {
    /// Parses `adam`, `sgd` or `lion`.
    pub fn parse(name: &str) -> crate::Result<Self> {
        match name {
            "adam" => Ok(Self::Adam),
            "sgd" => Ok(Self::Sgd),
            "lion" => Ok(Self::Lion),
            other => Err(crate::err!(
                "optimizer '{other}': expected adam, sgd or lion"
            )),
        }
    }

    /// The optimizer for a module, without state yet (`momentum` is SGD's μ): burn's
    /// arithmetic, with a state that a checkpoint can read and load ([`Optim`]).
    pub fn init(self, momentum: f64) -> Optim {
        Optim::new(self, momentum)
    }
}

/// The learning rate at `step` (0-based) of `total` (see the module docs).
pub fn learning_rate(lr: f64, schedule: Schedule, warmup: f32, step: usize, total: usize) -> f64 {
    let total = total.max(1);
    let warm = ((warmup as f64 * total as f64).round() as usize).min(total);
    if step < warm {
        return lr * (step + 1) as f64 / warm as f64;
    }
    let (t, span) = ((step - warm) as f64, (total - warm).max(1) as f64);
    match schedule {
        Schedule::Constant => lr,
        Schedule::Cosine => 0.5 * lr * (1.0 + (std::f64::consts::PI * t / span).cos()),
        Schedule::Step => {
            let drops = [0.5, 0.75]
                .iter()
                .filter(|&&m| t >= (m * span).floor())
                .count();
            lr * 0.1f64.powi(drops as i32)
        }
    }
}
