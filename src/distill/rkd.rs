//! Relational Knowledge Distillation (Park, Kim, Lu & Cho, CVPR 2019).
//!
//! Instead of matching outputs one example at a time, RKD matches the *structure* of a batch of
//! embeddings: the distances between pairs and the angles within triplets. With `ℓ_δ` the Huber
//! (smooth-L1, δ = 1) loss averaged over all entries:
//!
//! - distance-wise: `ψ_D(i, j) = ‖e_i − e_j‖ / μ`, μ the mean distance over the batch's pairs;
//!   `L_D = ℓ_δ(ψ_D^t, ψ_D^s)`;
//! - angle-wise: `ψ_A(i, j, k) = ⟨(e_i − e_j)/‖e_i − e_j‖, (e_k − e_j)/‖e_k − e_j‖⟩`;
//!   `L_A = ℓ_δ(ψ_A^t, ψ_A^s)`;
//! - the paper's weights: `L = 25·L_D + 50·L_A` ([`RKD_DISTANCE_WEIGHT`], [`RKD_ANGLE_WEIGHT`]).
//!
//! Details follow the authors' code: squared distances are clamped at 1e-12 before the square
//! root and the diagonal is zeroed; normalisation divides by `max(‖v‖, 1e-12)`. A batch of one
//! has no pairs: both losses are 0 (the reference would divide 0 by 0).
//!
//! # Shapes
//! `student`: `[batch, d_s]`, `teacher`: `[batch, d_t]` (the dimensions may differ); returns `[1]`.

use burn::tensor::{Tensor, TensorData};

/// Weight of the distance term in the paper.
pub const RKD_DISTANCE_WEIGHT: f32 = 25.0;
/// Weight of the angle term in the paper.
pub const RKD_ANGLE_WEIGHT: f32 = 50.0;

/// Smooth-L1 (δ = 1), averaged: `½·min(|x|,1)² + (|x| − min(|x|,1))`, branch-free.
fn smooth_l1<const D: usize>(x: Tensor<D>) -> Tensor<1> {
    let a = x.abs();
    let m = a.clone().clamp_max(1.0);
    (m.clone() * m.clone() * 0.5 + (a - m)).mean()
}

/// Pairwise Euclidean distances `[batch, batch]`, diagonal 0.
fn pdist(e: Tensor<2>) -> Tensor<2> {
    let [b, _] = e.dims();
    let sq = (e.clone() * e.clone()).sum_dim(1);
    let prod = e.clone().matmul(e.transpose());
    let d2 = sq.clone() + sq.transpose() - prod * 2.0;
    let off: Vec<f32> = (0..b * b)
        .map(|i| if i / b == i % b { 0.0 } else { 1.0 })
        .collect();
    let off = Tensor::<2>::from_data(TensorData::new(off, [b, b]), &d2.device());
    d2.clamp_min(1e-12).sqrt() * off
}

/// `v / max(‖v‖₂, 1e-12)` along the last dim (the square root only sees values ≥ 1e-24, so a zero
/// vector gets a zero gradient, as in PyTorch, instead of NaN).
fn normalize<const D: usize>(v: Tensor<D>) -> Tensor<D> {
    let norm = (v.clone() * v.clone())
        .sum_dim(D - 1)
        .clamp_min(1e-24)
        .sqrt();
    v / norm
}

/// The distance-wise RKD loss `L_D`.
pub fn rkd_distance(student: Tensor<2>, teacher: Tensor<2>) -> Tensor<1> {
    let [b, _] = student.dims();
    let device = student.device();
    if b < 2 {
        return Tensor::zeros([1], &device) * student.sum();
    }
    let pairs = (b * (b - 1)) as f32;
    let t = pdist(teacher.detach());
    let t = t.clone() / (t.sum() / pairs).reshape([1, 1]);
    let s = pdist(student);
    let s = s.clone() / (s.sum() / pairs).reshape([1, 1]);
    smooth_l1(s - t)
}

/// Unit difference vectors `[batch, batch, d]` and their angles `[batch, batch, batch]`.
fn angles(e: Tensor<2>) -> Tensor<3> {
    let diff = e.clone().unsqueeze_dim::<3>(0) - e.unsqueeze_dim::<3>(1);
    let unit = normalize(diff);
    unit.clone().matmul(unit.swap_dims(1, 2))
}

/// The angle-wise RKD loss `L_A`.
pub fn rkd_angle(student: Tensor<2>, teacher: Tensor<2>) -> Tensor<1> {
    smooth_l1(angles(student) - angles(teacher.detach()))
}

/// `25·L_D + 50·L_A`.
pub fn rkd_loss(student: Tensor<2>, teacher: Tensor<2>) -> Tensor<1> {
    rkd_distance(student.clone(), teacher.clone()) * RKD_DISTANCE_WEIGHT
        + rkd_angle(student, teacher) * RKD_ANGLE_WEIGHT
}
