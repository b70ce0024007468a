//! Several teachers, each example's target mixing them by the teacher's confidence (its top-1
//! probability at τ = 1): `α·CE + (1−α)·τ²·KL(q ‖ softmax(s/τ))`.

use super::multi_average::multi;
use super::{Distiller, Info, Needs, Step, StepLoss, ONE_STAGE};
use crate::distill::Combine;

pub struct MultiConfidence;

static INFO: Info = Info {
    key: "multi-confidence",
    name: "Two teachers, by confidence",
    paper: "this lab's variant of confidence-weighted teacher ensembles (each teacher weighted by its top-1 probability)",
    params: &[],
    needs: Needs {
        teachers: 2,
        ..Needs::LOGITS
    },
    stages: ONE_STAGE,
};

impl Distiller for MultiConfidence {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn loss(&self, s: Step) -> StepLoss {
        multi(s, Combine::Confidence)
    }
}
