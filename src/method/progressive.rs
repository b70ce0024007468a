//! Progressive layer-wise distillation: teacher→student layer pairs (`layerMap`) distilled one
//! at a time, shallow first, through learned linear adapters over the first half of the steps
//! ([`progressive_stage`]), then Hinton's loss.


use super::{Attach, Attached, Distiller, Info, Needs, Param, Stage, Step, StepLoss};
use crate::distill::{hint_loss, pair_rows, progressive_stage, LAYERWISE_SHARE};
use crate::train::{adapter_dims, layer_feature, resolve_layer_map};
use crate::Result;

pub struct Progressive;

pub static INFO: Info = Info::new("progressive", "Progressive layer-wise", "layer-by-layer hints in the spirit of FitNets (Romero et al. 2015), one pair at a time")
    .params(&[Param::layer_map("layerMap", "lmap").help("Teacher:student layer pairs, shallow first, e.g. 2:1,3:2 (feature layers numbered from 1: conv blocks, then hidden dense layers; empty = chosen from the two architectures)")])
    .needs(Needs::FEATURES)
    .stages(&[Stage::new("layer-wise", LAYERWISE_SHARE), Stage::new("kd", 1.0)]);

impl Distiller for Progressive {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        match progressive_stage(s.step, s.total, s.layer_map.len()) {
            Some(k) => {
                let (ti, si) = s.layer_map[k];
                let (w, b) = s
                    .student
                    .adapter(k)
                    .expect("added with the teacher network");
                let (rs, rt) = pair_rows(layer_feature(&fs, si), layer_feature(&ft, ti));
                hint_loss(rs, w, b, rt).into()
            }
            None => s.hinton(fs.logits).into(),
        }
    }

    fn attach(&self, a: Attach) -> Result<Attached> {
        let (s, t) = a.specs;
        let pairs = resolve_layer_map(&a.config.params.text("layerMap"), s, t)?;
        let dims = adapter_dims(&pairs, s, t);
        Ok((a.student.with_adapters(&dims, a.config.seed, a.device), pairs))
    }
}
