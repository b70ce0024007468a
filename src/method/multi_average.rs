//! Several teachers, averaged: `α·CE + (1−α)·τ²·KL(mean_k softmax(t_k/τ) ‖ softmax(s/τ))`.

use super::{Distiller, Info, Needs, Step, StepLoss};
use crate::distill::{multi_teacher_loss, Combine};

pub struct MultiAverage;

pub static INFO: Info = Info::new("multi-average", "Two teachers, averaged", "Hinton et al. 2015 §2: an ensemble's soft targets, averaged")
    .needs(Needs::LOGITS.teachers(2));

impl Distiller for MultiAverage {
    fn loss(&self, s: Step) -> StepLoss {
        multi(s, Combine::Average)
    }
}

/// The multi-teacher loss with the teachers' outputs combined by `how`.
pub(super) fn multi(s: Step, how: Combine) -> StepLoss {
    let logits = s.logits();
    let kd = multi_teacher_loss(logits.clone(), &s.teachers, s.tau, how);
    (s.hard(logits) + kd * (1.0 - s.alpha)).into()
}
