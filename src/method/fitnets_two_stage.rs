//! FitNets, the paper's two stages: the hint alone for the first 30 % of the steps, then
//! Hinton's loss.

use burn::tensor::Device;

use super::fitnets::{add_regressor, hint};
use super::{Attached, Distiller, Info, Needs, Stage, Step, StepLoss};
use crate::model::ModelSpec;
use crate::train::{Student, TrainConfig};
use crate::Result;

pub struct FitnetsTwoStage;

/// Share of the steps the two-stage recipes (FitNets, FSP) spend on their first stage.
pub const HINT_STAGE: f32 = 0.3;

/// A first stage of [`HINT_STAGE`] of the steps, then KD.
pub const TWO_STAGES: &[Stage] = &[
    Stage {
        name: "hint",
        until: HINT_STAGE,
    },
    Stage {
        name: "kd",
        until: 1.0,
    },
];

static INFO: Info = Info {
    key: "fitnets-two-stage",
    name: "FitNets, two stages",
    paper: "Romero et al. 2015, FitNets: Hints for Thin Deep Nets",
    params: &[],
    needs: Needs {
        hidden: true,
        ..Needs::FEATURES
    },
    stages: TWO_STAGES,
};

impl Distiller for FitnetsTwoStage {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        match s.stage() {
            0 => hint(&s, &fs, &ft).into(),
            _ => s.hinton(fs.logits).into(),
        }
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
