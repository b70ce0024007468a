//! Adversarial distillation (in the spirit of Wang, Xu, Xu & Tao, "Adversarial Learning of
//! Portable Student Networks", AAAI 2018, and Xu, Hsu & Huang's KDGAN line of work).
//!
//! A small discriminator `D` (an MLP `10 → h → 1` on the softened outputs `softmax(z/τ)`) learns to
//! tell the teacher's outputs (label 1) from the student's (label 0); the student, on top of its
//! distillation loss, learns to make `D` call its outputs the teacher's. With
//! `ℓ(z, y) = max(z, 0) − z·y + log(1 + e^{−|z|})`, binary cross-entropy on a logit, averaged:
//!
//! - discriminator: `L_D = mean ℓ(D(p_t), 1) + mean ℓ(D(sg(p_s)), 0)` (the student's outputs
//!   are constants here);
//! - student: `L_adv = mean ℓ(D̄(p_s), 1)`, with `D̄` the discriminator's weights held constant,
//!   so that this term trains only the student.
//!
//! Both are added to one loss and one backward pass trains each side on its own term.
//!
//! # Shapes
//! outputs `[batch, 10]`; `w1 [10, h]`, `b1 [h]`, `w2 [h, 1]`, `b2 [1]`; losses `[1]`.

use burn::tensor::activation::{relu, softmax};
use burn::tensor::Tensor;

/// `mean ℓ(z, target)`: binary cross-entropy with logits, PyTorch's
/// `binary_cross_entropy_with_logits` in its stable form.
pub fn bce_with_logits(z: Tensor<2>, target: f32) -> Tensor<1> {
    let pos = z.clone().clamp_min(0.0);
    let soft = (z.clone().abs().neg().exp() + 1.0).log();
    (pos - z * target + soft).mean()
}

/// The discriminator's logits `[batch, 1]` for logits `z` at temperature `tau`; with `frozen`,
/// its weights pass no gradient.
pub fn discriminate(
    z: Tensor<2>,
    tau: f32,
    weights: [Tensor<2>; 2],
    biases: [Tensor<1>; 2],
    frozen: bool,
) -> Tensor<2> {
    let hold = |t: Tensor<2>| if frozen { t.detach() } else { t };
    let hold1 = |t: Tensor<1>| if frozen { t.detach() } else { t };
    let [w1, w2] = weights;
    let [b1, b2] = biases;
    let p = softmax(z / tau, 1);
    let h = relu(p.matmul(hold(w1)) + hold1(b1).unsqueeze::<2>());
    h.matmul(hold(w2)) + hold1(b2).unsqueeze::<2>()
}

/// `L_D` from the discriminator's logits on teacher and (detached) student outputs.
pub fn discriminator_loss(on_teacher: Tensor<2>, on_student: Tensor<2>) -> Tensor<1> {
    bce_with_logits(on_teacher, 1.0) + bce_with_logits(on_student, 0.0)
}

/// The share of outputs the discriminator classifies right (teacher > 0, student < 0).
pub fn discriminator_accuracy(on_teacher: Tensor<2>, on_student: Tensor<2>) -> Tensor<1> {
    let t = on_teacher.detach().greater_elem(0.0).float().mean();
    let s = on_student.detach().lower_equal_elem(0.0).float().mean();
    (t + s) / 2.0
}
