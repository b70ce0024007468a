//! Adversarial distillation: Hinton's loss + `advWeight`·(fool a discriminator that tells the
//! teacher's softened outputs from the student's); the discriminator learns alongside.

use super::{Distiller, Info, Needs, Param, Step, StepLoss};
use crate::distill::{bce_with_logits, discriminator_accuracy, discriminator_loss};

pub struct Adversarial;

pub static INFO: Info = Info::new("adversarial", "Adversarial (discriminator)", "Wang et al. 2018, KDGAN; Xu et al. 2018, Training Shallow and Thin Networks via Adversarial Learning")
    .params(&[Param::float("advWeight", "advw", [0.0, 100.0, 0.1], 1.0).help("Adversarial distillation: weight of the student's fool-the-discriminator term")])
    .needs(Needs::LOGITS.discriminator());

impl Distiller for Adversarial {
    fn loss(&self, s: Step) -> StepLoss {
        let logits = s.logits();
        let d = s
            .student
            .discriminator()
            .expect("added when the run is made");
        let tau = s.tau;
        let fool = bce_with_logits(d.forward(logits.clone(), tau, true), 1.0);
        let on_teacher = d.forward(s.teacher(), tau, false);
        let on_student = d.forward(logits.clone().detach(), tau, false);
        let accuracy = discriminator_accuracy(on_teacher.clone(), on_student.clone());
        let loss = s.hinton(logits)
            + fool * s.param("advWeight")
            + discriminator_loss(on_teacher, on_student);
        StepLoss {
            loss,
            discriminator: Some(accuracy),
        }
    }
}
