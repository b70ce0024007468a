//! Attention transfer (Zagoruyko & Komodakis, ICLR 2017), activation-based, p = 2.
//!
//! A CNN layer's spatial attention map is the channel mean of its squared activations,
//! flattened and L2-normalised: `Q = normalize(mean_c F_c², dim = HW)`. The student matches the
//! teacher's maps at layers of the same resolution:
//! `L_AT = mean_{b, hw} (Q_s − Q_t)²` per layer pair, as in the authors' code
//! (`(at(x) − at(y)).pow(2).mean()`), which the method weighs by `β/2` (β = 1000 there).
//!
//! # Shapes
//! `student`: `[batch, c_s, h, w]`, `teacher`: `[batch, c_t, h, w]` (channels may differ, the
//! resolution may not); returns `[1]`.

use burn::tensor::Tensor;

/// The normalised attention map `[batch, h·w]` of feature maps `[batch, c, h, w]`.
pub fn attention_map(features: Tensor<4>) -> Tensor<2> {
    let [b, _, h, w] = features.dims();
    let q = (features.clone() * features)
        .mean_dim(1)
        .reshape([b, h * w]);
    let norm = (q.clone() * q.clone()).sum_dim(1).clamp_min(1e-24).sqrt();
    q / norm
}

/// `mean (Q_s − Q_t)²` for one pair of layers.
pub fn attention_loss(student: Tensor<4>, teacher: Tensor<4>) -> Tensor<1> {
    let d = attention_map(student) - attention_map(teacher.detach());
    (d.clone() * d).mean()
}
