//! Decoupled KD (Zhao et al. 2022): `α·CE + w·DKD(α_dkd, β_dkd, τ)`, the DKD weight `w` rising
//! linearly from 0 to 1 over the first 10 % of the steps, as mdistiller warms it up.

use super::{Distiller, Info, Param, Step, StepLoss};
use crate::distill::dkd_loss;

pub struct Dkd;

pub static INFO: Info = Info::new("dkd", "DKD (decoupled)", "Zhao et al. 2022, Decoupled Knowledge Distillation")
    .params(&[Param::float("dkdAlpha", "dkda", [0.0, 100.0, 0.5], 1.0).help("DKD: weight of the target-class term (TCKD)"), Param::float("dkdBeta", "dkdb", [0.0, 100.0, 0.5], 8.0).help("DKD: weight of the non-target-class term (NCKD)")]);

impl Distiller for Dkd {
    fn loss(&self, s: Step) -> StepLoss {
        // β_dkd = 8 at step 0 would swamp the randomly initialised student.
        let warm = (s.step as f32 / (0.1 * s.total as f32).max(1.0)).min(1.0);
        let logits = s.logits();
        let (a, b) = (s.param("dkdAlpha"), s.param("dkdBeta"));
        let dkd = dkd_loss(logits.clone(), s.teacher(), s.y.clone(), a, b, s.tau);
        (s.hard(logits) + dkd * warm).into()
    }
}
