//! Attention transfer (Zagoruyko & Komodakis 2017) + Hinton's loss, on the two conv blocks of
//! CNN students: `KD + β/2 · Σ_blocks AT`.

use super::{Distiller, Info, Needs, Param, ParamKind, Step, StepLoss, ONE_STAGE};
use crate::distill::attention_loss;

pub struct Attention;

static INFO: Info = Info {
    key: "attention",
    name: "Attention transfer (CNN)",
    paper: "Zagoruyko & Komodakis 2017, Paying More Attention to Attention",
    params: &[Param {
        key: "atBeta",
        link: "atb",
        kind: ParamKind::Float {
            min: 0.0,
            max: 100_000.0,
            default: 1000.0,
            step: 100.0,
        },
        help: "Attention transfer: β (the AT terms are weighted β/2; paper: 1000)",
    }],
    needs: Needs {
        cnn: true,
        ..Needs::FEATURES
    },
    stages: ONE_STAGE,
};

impl Distiller for Attention {
    fn info(&self) -> &'static Info {
        &INFO
    }

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
