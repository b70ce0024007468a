//! FitNets (Romero et al. 2015), joint: Hinton's loss + `hint_weight`·hint, the hint being the
//! MSE between a learned linear regressor of the student's last hidden layer and the teacher's.

use burn::tensor::Device;

use super::{
    last_hidden, Attached, Distiller, Info, Needs, Param, ParamKind, Step, StepLoss, ONE_STAGE,
};
use crate::distill::hint_loss;
use crate::model::{Features, ModelSpec};
use crate::train::{Student, TrainConfig};
use crate::Result;

pub struct Fitnets;

static INFO: Info = Info {
    key: "fitnets",
    name: "FitNets hint + KD",
    paper: "Romero et al. 2015, FitNets: Hints for Thin Deep Nets",
    params: &[Param {
        key: "hintWeight",
        link: "hintw",
        kind: ParamKind::Float {
            min: 0.0,
            max: 100.0,
            default: 1.0,
            step: 0.1,
        },
        help: "FitNets (joint): weight of the hint term",
    }],
    needs: Needs {
        hidden: true,
        ..Needs::FEATURES
    },
    stages: ONE_STAGE,
};

impl Distiller for Fitnets {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        let h = hint(&s, &fs, &ft);
        (s.hinton(fs.logits) + h * s.param("hintWeight")).into()
    }

    fn attach(
        &self,
        c: &TrainConfig,
        student: Student,
        specs: (&ModelSpec, &ModelSpec),
        device: &Device,
    ) -> Result<Attached> {
        add_regressor(c, student, specs, device)
    }
}

/// Adds the regressor from the student's last hidden layer to the teacher's.
pub(super) fn add_regressor(
    c: &TrainConfig,
    student: Student,
    (s, t): (&ModelSpec, &ModelSpec),
    device: &Device,
) -> Result<Attached> {
    let (ds, dt) = (last_hidden(s), last_hidden(t));
    let (ds, dt) = ds.zip(dt).expect("checked by the needs");
    Ok((student.with_regressor(ds, dt, c.seed, device), Vec::new()))
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
