//! Relational KD (Park et al. 2019) on the last hidden layers: `α·CE + (1−α)·(25·L_D + 50·L_A)`.

use super::{Distiller, Info, Needs, Step, StepLoss, ONE_STAGE};
use crate::distill::rkd_loss;
use crate::model::Features;

pub struct Rkd;

static INFO: Info = Info {
    key: "rkd",
    name: "RKD (relational)",
    paper: "Park et al. 2019, Relational Knowledge Distillation",
    params: &[],
    needs: Needs {
        hidden: true,
        ..Needs::FEATURES
    },
    stages: ONE_STAGE,
};

impl Distiller for Rkd {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        let last = |f: &Features| f.hidden.last().cloned().expect("checked by the needs");
        let rkd = rkd_loss(last(&fs), last(&ft));
        (s.hard(fs.logits) + rkd * (1.0 - s.alpha)).into()
    }
}
