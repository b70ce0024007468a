//! Quantization-aware distillation: Hinton's loss on a student whose weights and layer inputs
//! are fake-quantized to `bits` bits ([`crate::distill::fake_quant`]).

use super::{Distiller, Info, Needs, Param, ParamKind, Step, StepLoss, ONE_STAGE};
use crate::distill::BITS_RANGE;
use crate::train::TrainConfig;

pub struct Qat;

static INFO: Info = Info {
    key: "qat",
    name: "Quantization-aware KD (int8)",
    paper: "Jacob et al. 2018 (fake quantization) with Hinton's loss, as in Polino et al. 2018",
    params: &[Param {
        key: "bits",
        link: "bits",
        kind: ParamKind::Int {
            min: BITS_RANGE.0 as i64,
            max: BITS_RANGE.1 as i64,
            default: 8,
        },
        help: "Quantization-aware distillation (qat) and --int8: bits per weight and activation",
    }],
    needs: Needs::LOGITS,
    stages: ONE_STAGE,
};

impl Distiller for Qat {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn loss(&self, s: Step) -> StepLoss {
        s.hinton(s.logits()).into()
    }

    fn fake_quant_bits(&self, c: &TrainConfig) -> Option<u32> {
        Some(c.params.num("bits") as u32)
    }
}
