//! Adversarial distillation: Hinton's loss + `advWeight`·(fool a discriminator that tells the
//! teacher's softened outputs from the student's); the discriminator learns alongside.

use super::{Distiller, Info, Needs, Param, ParamKind, Step, StepLoss, ONE_STAGE};
use crate::distill::{bce_with_logits, discriminator_accuracy, discriminator_loss};

pub struct Adversarial;

static INFO: Info = Info {
    key: "adversarial",
    name: "Adversarial (discriminator)",
    paper: "Wang et al. 2018, KDGAN; Xu et al. 2018, Training Shallow and Thin Networks via Adversarial Learning",
    params: &[Param {
        key: "advWeight",
        link: "advw",
        kind: ParamKind::Float {
            min: 0.0,
            max: 100.0,
            default: 1.0,
            step: 0.1,
        },
        help: "Adversarial distillation: weight of the student's fool-the-discriminator term",
    }],
    needs: Needs {
        discriminator: true,
        ..Needs::LOGITS
    },
    stages: ONE_STAGE,
};

impl Distiller for Adversarial {
    fn info(&self) -> &'static Info {
        &INFO
    }

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
