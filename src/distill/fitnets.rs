//! FitNets hints (Romero, Ballas, Kahou, Chassang, Gatta & Bengio, ICLR 2015).
//!
//! A *regressor* `r` maps a student ("guided") layer to the shape of a teacher ("hint") layer,
//! and the student learns to make `r(student)` match the teacher: `L_hint = mean (r(s) − t)²`
//! (the mean over batch and features of torchdistill's `MSELoss`; the paper's ½‖·‖² differs by a
//! constant factor). The regressor is linear for dense features and a 1×1 convolution for feature
//! maps, learned with the student. The paper trains in two stages (hint, then Hinton KD); the
//! joint variant adds the hint to the KD loss from the start.
//!
//! # Shapes
//! `student`: `[batch, d_s]`, `weight`: `[d_s, d_t]`, `bias`: `[d_t]`, `teacher`:
//! `[batch, d_t]`; returns `[1]`.

use burn::tensor::module::linear;
use burn::tensor::Tensor;

/// `mean (s·W + b − t)²`.
pub fn hint_loss(
    student: Tensor<2>,
    weight: Tensor<2>,
    bias: Tensor<1>,
    teacher: Tensor<2>,
) -> Tensor<1> {
    let d = linear(student, weight, Some(bias)) - teacher.detach();
    (d.clone() * d).mean()
}
