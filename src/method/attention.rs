//! Attention transfer (Zagoruyko & Komodakis 2017) + Hinton's loss, on the two conv blocks of
//! CNN students: `KD + β/2 · Σ_blocks AT`.

use super::{Distiller, Info, Needs, Param, Step, StepLoss};
use crate::distill::attention_loss;

pub struct Attention;

pub static INFO: Info = Info::new("attention", "Attention transfer (CNN)", "Zagoruyko & Komodakis 2017, Paying More Attention to Attention")
    .params(&[Param::float("atBeta", "atb", [0.0, 100_000.0, 100.0], 1000.0).help("Attention transfer: β (the AT terms are weighted β/2; paper: 1000)")])
    .needs(Needs::FEATURES.cnn());

impl Distiller for Attention {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ft) = s.features();
        let at = fs
            .maps
            .iter()
            .zip(&ft.maps)
            .map(|(a, b)| attention_loss(a.clone(), b.clone()))
            .reduce(|a, b| a + b)
            .expect("two conv blocks");
        (s.hinton(fs.logits) + at * (s.param("atBeta") / 2.0)).into()
    }
}
