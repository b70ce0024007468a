//! The loss of one training step: the run's method applied to the student's outputs, the
//! stored teacher logits and, for the feature-based methods, the teacher network's features.

use burn::tensor::{Device, Tensor, TensorData};

use super::feature::feature_loss;
use super::Student;
use super::{Method, TrainConfig};
use crate::distill::{
    bce_with_logits, cross_entropy, discriminator_accuracy, discriminator_loss, dkd_loss,
    hinton_loss, hinton_loss_per_example, multi_teacher_loss, tau_for_entropy, Combine,
};
use crate::model::Net;

/// One batch, as the loss sees it.
pub(super) struct Batch<'a> {
    /// Inputs `[batch, 784]`.
    pub x: Tensor<2>,
    /// One-hot labels `[batch, 10]`.
    pub y: Tensor<2>,
    /// Each teacher's logits for the batch, host `[batch · 10]`; empty for hard labels only.
    pub teachers: Vec<Vec<f32>>,
    /// The step and the run's length (for schedules and warm-ups).
    pub step: (usize, usize),
    /// Progressive distillation's layer pairs (empty for the other methods).
    pub layer_map: &'a [(usize, usize)],
    pub device: &'a Device,
}

/// What one step computes.
pub(super) struct StepLoss {
    /// The loss to minimise, `[1]`.
    pub loss: Tensor<1>,
    /// Adversarial distillation: the discriminator's accuracy on the batch, `[1]`.
    pub discriminator: Option<Tensor<1>>,
}

impl From<Tensor<1>> for StepLoss {
    fn from(loss: Tensor<1>) -> Self {
        Self {
            loss,
            discriminator: None,
        }
    }
}

/// The loss of `config.method` on `batch`. `teacher_net` must be set for the feature-based
/// methods (the run checks it before training).
pub(super) fn step_loss(
    c: &TrainConfig,
    student: &Student,
    teacher_net: Option<&Net>,
    batch: Batch,
) -> StepLoss {
    let Batch {
        x,
        y,
        teachers,
        step: (step, total),
        layer_map,
        device,
    } = batch;
    if teachers.is_empty() {
        return cross_entropy(student.net.forward(x, c.dropout), y).into();
    }
    let [b, _] = y.dims();
    let (alpha, tau) = (c.alpha_at(step, total), c.tau_at(step, total));
    // Per-example temperatures come from the host logits, before they move to the device.
    let taus = match (c.method, c.target_entropy) {
        (Method::Hinton, Some(bits)) => Some(
            teachers[0]
                .chunks_exact(10)
                .map(|r| tau_for_entropy(r, bits))
                .collect::<Vec<f32>>(),
        ),
        _ => None,
    };
    let mut on_device: Vec<Tensor<2>> = teachers
        .into_iter()
        .map(|rows| Tensor::from_data(TensorData::new(rows, [b, 10]), device))
        .collect();
    let teacher = on_device[0].clone();
    if c.method.needs_teacher_net() {
        let tnet = teacher_net.expect("the run checks the teacher network before training");
        let s = student.net.forward_features(x.clone(), c.dropout);
        let t = tnet.forward_features(x, 0.0);
        let (at, step) = ((alpha, tau), (step, total));
        return feature_loss(c, student, layer_map, s, t, teacher, y, at, step).into();
    }
    let logits = student
        .net
        .forward_quant(x, c.dropout, c.fake_quant_bits())
        .logits;
    let loss = match c.method {
        Method::Adversarial => {
            let d = student.discriminator().expect("added when the run is made");
            let fool = bce_with_logits(d.forward(logits.clone(), tau, true), 1.0);
            let on_teacher = d.forward(teacher.clone(), tau, false);
            let on_student = d.forward(logits.clone().detach(), tau, false);
            let accuracy = discriminator_accuracy(on_teacher.clone(), on_student.clone());
            let loss = hinton_loss(logits, teacher, y, alpha, tau)
                + fool * c.adv_weight
                + discriminator_loss(on_teacher, on_student);
            return StepLoss {
                loss,
                discriminator: Some(accuracy),
            };
        }
        Method::Hinton | Method::Qat => match taus {
            None => hinton_loss(logits, teacher, y, alpha, tau),
            Some(taus) => {
                let taus = Tensor::<2>::from_data(TensorData::new(taus, [b, 1]), device);
                hinton_loss_per_example(logits, teacher, y, alpha, taus)
            }
        },
        Method::Dkd => {
            // As in mdistiller, the DKD term warms up linearly (here over the first 10 % of the
            // steps): β_dkd = 8 at step 0 would swamp the randomly initialised student.
            let warm = (step as f32 / (0.1 * total as f32).max(1.0)).min(1.0);
            cross_entropy(logits.clone(), y.clone()) * alpha
                + dkd_loss(logits, teacher, y, c.dkd_alpha, c.dkd_beta, tau) * warm
        }
        Method::MultiAverage | Method::MultiConfidence => {
            let how = match c.method {
                Method::MultiAverage => Combine::Average,
                _ => Combine::Confidence,
            };
            let all: Vec<Tensor<2>> = std::mem::take(&mut on_device);
            cross_entropy(logits.clone(), y) * alpha
                + multi_teacher_loss(logits, &all, tau, how) * (1.0 - alpha)
        }
        Method::Fitnets
        | Method::FitnetsTwoStage
        | Method::Attention
        | Method::Rkd
        | Method::Fsp
        | Method::DataFree
        | Method::Progressive => {
            unreachable!("feature and data-free methods are handled elsewhere")
        }
    };
    loss.into()
}
