//! FitNets, the paper's two stages: the hint alone for the first 30 % of the steps, then
//! Hinton's loss.


use super::fitnets::{add_regressor, hint};
use super::{Attach, Attached, Distiller, Info, Needs, Stage, Step, StepLoss};
use crate::Result;

pub struct FitnetsTwoStage;

/// Share of the steps the two-stage recipes (FitNets, FSP) spend on their first stage.
pub const HINT_STAGE: f32 = 0.3;

/// A first stage of [`HINT_STAGE`] of the steps, then KD.
pub const TWO_STAGES: &[Stage] = &[Stage::new("hint", HINT_STAGE), Stage::new("kd", 1.0)];

pub static INFO: Info = Info::new("fitnets-two-stage", "FitNets, two stages", "Romero et al. 2015, FitNets: Hints for Thin Deep Nets")
    .needs(Needs::FEATURES.hidden())
    .stages(TWO_STAGES);

impl Distiller for FitnetsTwoStage {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        match s.stage() {
            0 => hint(&s, &fs, &ft).into(),
            _ => s.hinton(fs.logits).into(),
        }
    }

    fn attach(&self, a: Attach) -> Result<Attached> {
        add_regressor(a)
    }
}
