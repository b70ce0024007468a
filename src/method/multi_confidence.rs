//! Several teachers, each example's target mixing them by the teacher's confidence (its top-1
//! probability at τ = 1): `α·CE + (1−α)·τ²·KL(q ‖ softmax(s/τ))`.

use super::multi_average::multi;
use super::{Distiller, Info, Needs, Step, StepLoss};
use crate::distill::Combine;

pub struct MultiConfidence;

pub static INFO: Info = Info::new("multi-confidence", "Two teachers, by confidence", "this lab's variant of confidence-weighted teacher ensembles (each teacher weighted by its top-1 probability)")
    .needs(Needs::LOGITS.teachers(2));

impl Distiller for MultiConfidence {
    fn loss(&self, s: Step) -> StepLoss {
        multi(s, Combine::Confidence)
    }
}
