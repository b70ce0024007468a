//! Relational KD (Park et al. 2019) on the last hidden layers: `α·CE + (1−α)·(25·L_D + 50·L_A)`.

use super::{Distiller, Info, Needs, Step, StepLoss};
use crate::distill::rkd_loss;

pub struct Rkd;

pub static INFO: Info = Info::new("rkd", "RKD (relational)", "Park et al. 2019, Relational Knowledge Distillation")
    .needs(Needs::FEATURES.hidden());

impl Distiller for Rkd {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ls, lt) = s.last_hidden();
        let rkd = rkd_loss(ls, lt);
        (s.hard(fs.logits) + rkd * (1.0 - s.alpha)).into()
    }
}
