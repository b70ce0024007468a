//! FitNets (Romero et al. 2015), joint: Hinton's loss + `hint_weight`·hint, the hint being the
//! MSE between a learned linear regressor of the student's last hidden layer and the teacher's.


use super::{
    last_hidden, Attach, Attached, Distiller, Info, Needs, Param, Step, StepLoss,
};
use crate::distill::hint_loss;
use crate::model::Features;
use crate::Result;

pub struct Fitnets;

pub static INFO: Info = Info::new("fitnets", "FitNets hint + KD", "Romero et al. 2015, FitNets: Hints for Thin Deep Nets")
    .params(&[Param::float("hintWeight", "hintw", [0.0, 100.0, 0.1], 1.0).help("FitNets (joint): weight of the hint term")])
    .needs(Needs::FEATURES.hidden());

impl Distiller for Fitnets {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        let h = hint(&s, &fs, &ft);
        (s.hinton(fs.logits) + h * s.param("hintWeight")).into()
    }

    fn attach(&self, a: Attach) -> Result<Attached> {
        add_regressor(a)
    }
}

/// Adds the regressor from the student's last hidden layer to the teacher's.
pub(super) fn add_regressor(a: Attach) -> Result<Attached> {
    let (s, t) = a.specs;
    let (ds, dt) = last_hidden(s).zip(last_hidden(t)).expect("checked by the needs");
    let student = a.student.with_regressor(ds, dt, a.config.seed, a.device);
    Ok((student, Vec::new()))
}

/// The hint: MSE between the regressed last hidden layer of the student and the teacher's.
pub(super) fn hint(s: &Step, fs: &Features, ft: &Features) -> burn::tensor::Tensor<1> {
    let last = |f: &Features| f.hidden.last().cloned().expect("checked by the needs");
    let (w, b) = s
        .student
        .regressor()
        .expect("added with the teacher network");
    hint_loss(last(fs), w, b, last(ft))
}
