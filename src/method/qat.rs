//! Quantization-aware distillation: Hinton's loss on a student whose weights and layer inputs
//! are fake-quantized to `bits` bits ([`crate::distill::fake_quant`]).

use super::{Distiller, Info, Param, Step, StepLoss};
use crate::distill::BITS_RANGE;
use crate::train::TrainConfig;

pub struct Qat;

pub static INFO: Info = Info::new("qat", "Quantization-aware KD (int8)", "Jacob et al. 2018 (fake quantization) with Hinton's loss, as in Polino et al. 2018")
    .params(&[Param::int("bits", "bits", [BITS_RANGE.0 as i64, BITS_RANGE.1 as i64], 8).help("Quantization-aware distillation (qat) and --int8: bits per weight and activation")]);

impl Distiller for Qat {
    fn loss(&self, s: Step) -> StepLoss {
        s.hinton(s.logits()).into()
    }

    fn fake_quant_bits(&self, c: &TrainConfig) -> Option<u32> {
        Some(c.params.num("bits") as u32)
    }
}
