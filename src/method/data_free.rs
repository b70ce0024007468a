//! Data-free distillation (DAFL, Chen et al. 2019): a generator invents the inputs from noise
//! and the student learns the teacher's soft labels on them; no training image is read.
//!
//! The step's `x` is the generator's noise ([`crate::train::noise`]). The generator learns DAFL's
//! loss, cross-entropy to the class it was asked for and the feature-statistics term, all through
//! the frozen teacher; the student learns `τ²·KL(softmax(t/τ) ‖ softmax(s/τ))` on the same images
//! (held constant).

use super::{last_hidden, Distiller, Info, Needs, Step, StepLoss};
use crate::distill::{
    cross_entropy, dafl_generator_loss, feature_stat_loss, soft_kl, DAFL_ACTIVATION_WEIGHT,
    DAFL_ENTROPY_WEIGHT,
};
use crate::model::ModelSpec;
use crate::train::{feature_rows, FEATURE_STAT_WEIGHT, NOISE_DIM};
use crate::{err, Result};

pub struct DataFree;

pub static INFO: Info = Info::new("data-free", "Data-free (generator, no training images)", "Chen et al. 2019, Data-Free Learning of Student Networks (DAFL)")
    .needs(Needs::FEATURES.generator());

impl Distiller for DataFree {
    fn check(&self, _student: &ModelSpec, teacher: &ModelSpec) -> Result<()> {
        match last_hidden(teacher) {
            Some(_) => Ok(()),
            None => Err(err!(
                "data-free distillation needs a hidden layer in the teacher ({teacher}) for its activation loss"
            )),
        }
    }

    fn loss(&self, s: Step) -> StepLoss {
        let z = s.x.clone();
        let tnet = s.teacher_net.expect("checked before training");
        let generator = s.student.generator().expect("added when the run is made");
        let images = generator.forward(z.clone());
        let t = tnet.forward_features(images.clone(), 0.0);
        let last = t.hidden.last().cloned().expect("checked: a hidden layer");
        let [n, width] = z.dims();
        let classes = z.slice([0..n, NOISE_DIM..width]);
        let generator_loss = dafl_generator_loss(
            t.logits.clone(),
            last,
            DAFL_ACTIVATION_WEIGHT,
            DAFL_ENTROPY_WEIGHT,
        ) + cross_entropy(t.logits.clone(), classes)
            + feature_stat_loss(feature_rows(&t), s.stats) * FEATURE_STAT_WEIGHT;
        let student = s.student.net.forward(images.detach(), s.config.dropout);
        let tau = s.tau;
        (generator_loss + soft_kl(student, t.logits.detach(), tau) * (tau * tau)).into()
    }
}
