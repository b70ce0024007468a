//! FSP matrices, "flow of solution procedure" (Yim, Joo, Bae & Kim, CVPR 2017).
//!
//! The FSP matrix of two feature maps of the same resolution, `F¹: [c₁, h, w]` and
//! `F²: [c₂, h, w]`, is their channel-by-channel inner product over positions,
//! `G_{ij} = Σ_{h,w} F¹_{i,h,w} · F²_{j,h,w} / (h·w)`: how the layer transforms what it receives.
//! The student matches the teacher's matrices for the same layer pairs, so teacher and student
//! need the same channel counts there:
//! `L_FSP = mean_batch Σ_pairs Σ_{ij} (G^S_{ij} − G^T_{ij})²` (the paper's λ = 1 for every pair).
//!
//! # Shapes
//! `a`: `[batch, c₁, h, w]`, `b`: `[batch, c₂, h, w]` → `[batch, c₁, c₂]`; the loss takes the
//! student's and the teacher's matrices, `[batch, c₁, c₂]` each, and returns `[1]`.

use burn::tensor::Tensor;

/// The FSP matrices `[batch, c₁, c₂]` of two feature maps of equal resolution.
pub fn fsp_matrix(a: Tensor<4>, b: Tensor<4>) -> Tensor<3> {
    let [n, c1, h, w] = a.dims();
    let [_, c2, _, _] = b.dims();
    let a = a.reshape([n, c1, h * w]);
    let b = b.reshape([n, c2, h * w]);
    a.matmul(b.swap_dims(1, 2)) / (h * w) as f32
}

/// `mean_batch Σ_{ij} (G_s − G_t)²` for one pair of layers (the teacher's side has no gradient).
pub fn fsp_loss(student: Tensor<3>, teacher: Tensor<3>) -> Tensor<1> {
    let [n, _, _] = student.dims();
    let d = student - teacher.detach();
    (d.clone() * d).sum() / n as f32
}
