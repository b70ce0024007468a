//! FSP matrices (Yim et al. 2017), the paper's two stages: Σ FSP over the two layer transitions
//! (input → first block, first → second block) alone for the first 30 % of the steps, then
//! Hinton's loss. CNN students with the teacher's conv channels.

use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use burn::tensor::Tensor;

use super::fitnets_two_stage::TWO_STAGES;
use super::{Distiller, Info, Needs, Step, StepLoss};
use crate::distill::{fsp_loss, fsp_matrix};
use crate::model::Features;

pub struct Fsp;

pub static INFO: Info = Info::new("fsp", "FSP matrices (CNN)", "Yim et al. 2017, A Gift from Knowledge Distillation (FSP)")
    .needs(Needs::FEATURES.cnn().teacher_channels())
    .stages(TWO_STAGES);

/// The FSP matrices of a CNN's two layer transitions, each earlier map average-pooled to the
/// later one's resolution.
fn fsp_pairs(f: &Features) -> [Tensor<3>; 2] {
    let pool = |t: Tensor<4>| avg_pool2d(t, AvgPoolOptions::new([2, 2]));
    [
        fsp_matrix(pool(f.input.clone()), f.maps[0].clone()),
        fsp_matrix(pool(f.maps[0].clone()), f.maps[1].clone()),
    ]
}

impl Distiller for Fsp {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        if s.stage() == 0 {
            let [s1, s2] = fsp_pairs(&fs);
            let [t1, t2] = fsp_pairs(&ft);
            return (fsp_loss(s1, t1) + fsp_loss(s2, t2)).into();
        }
        s.hinton(fs.logits).into()
    }
}
