//! Several teachers, averaged: `α·CE + (1−α)·τ²·KL(mean_k softmax(t_k/τ) ‖ softmax(s/τ))`.

use super::{Distiller, Info, Needs, Step, StepLoss, ONE_STAGE};
use crate::distill::{multi_teacher_loss, Combine};

pub struct MultiAverage;

static INFO: Info = Info {
    key: "multi-average",
    name: "Two teachers, averaged",
    paper: "Hinton et al. 2015 §2: an ensemble's soft targets, averaged",
    params: &[],
    needs: Needs {
        teachers: 2,
        ..Needs::LOGITS
    },
    stages: ONE_STAGE,
};

impl Distiller for MultiAverage {
    fn info(&self) -> &'static Info {
        &INFO
    }

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
