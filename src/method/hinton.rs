//! Hinton, Vinyals & Dean 2015: `α·CE + (1−α)·τ²·KL(softmax(t/τ) ‖ softmax(s/τ))`, optionally
//! with one τ per example chosen so that the teacher's softened output carries a set entropy.

use burn::tensor::{Tensor, TensorData};

use super::{Distiller, Info, Param, Step, StepLoss};
use crate::distill::{hinton_loss_per_example, tau_for_entropy};

pub struct Hinton;

/// Entropy-matched τ: the bits of the teacher's softened output per example (0 = off).
pub const TARGET_ENTROPY: Param = Param::optional("targetEntropy", "tent", 3.32, 0.1).help("Per-example τ giving the teacher's softened output this many bits of entropy (0 = off)");

pub static INFO: Info = Info::new("hinton", "Hinton KD", "Hinton, Vinyals & Dean 2015, Distilling the Knowledge in a Neural Network")
    .params(&[TARGET_ENTROPY]);

impl Distiller for Hinton {
    fn loss(&self, s: Step) -> StepLoss {
        let logits = s.logits();
        let Some(bits) = s.config.params.optional(TARGET_ENTROPY.key) else {
            return s.hinton(logits).into();
        };
        let classes = s.y.dims()[1];
        let taus: Vec<f32> = s.teacher_rows[0]
            .chunks_exact(classes)
            .map(|r| tau_for_entropy(r, bits))
            .collect();
        let b = taus.len();
        let taus = Tensor::<2>::from_data(TensorData::new(taus, [b, 1]), s.device);
        hinton_loss_per_example(logits, s.teacher(), s.y.clone(), s.alpha, taus).into()
    }
}
