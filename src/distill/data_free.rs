//! Data-free distillation: DAFL (Chen, Wang, Xu, Yang, Liu, Shi, Xu, Xu & Tian, "Data-Free
//! Learning of Student Networks", ICCV 2019) with DeepInversion's feature-statistics term (Yin et
//! al., CVPR 2020).
//!
//! A generator `G` turns noise into images; no training image is ever used. `G` learns to make
//! images the (frozen) teacher classifies confidently, with strong features, and across all
//! classes; the student learns from the teacher's soft labels on those images. With `t` the
//! teacher's logits on `G(z)`, `f` its last hidden features and `p̄ = mean_batch softmax(t)`:
//!
//! - one-hot loss `L_oh = CE(t, argmax t)` (the teacher should be sure);
//! - activation loss `L_a = −mean_batch ‖f‖₁ / d` (strong features; the paper's mean over the
//!   batch of the L1 norm, here also over the `d` features so the weight does not depend on the
//!   teacher's width);
//! - information-entropy loss `L_ie = Σ_k p̄_k log p̄_k = −H(p̄)` (every class as often);
//! - `L_G = L_oh + a·L_a + b·L_ie`, the paper's `a = 0.1`, `b = 5`.
//!
//! DAFL alone makes fooling images on our small budgets (the student agrees with the teacher on
//! them and reaches 15 % on real digits), so the run adds [`feature_stat_loss`]: the teacher's
//! per-channel feature statistics on the generated batch must match those it stores.
//!
//! # Shapes
//! `teacher_logits`: `[batch, 10]`, `teacher_features`: `[batch, d]`; returns `[1]`.

use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Int, Tensor};

/// The paper's weight of the activation loss.
pub const DAFL_ACTIVATION_WEIGHT: f32 = 0.1;
/// The paper's weight of the information-entropy loss.
pub const DAFL_ENTROPY_WEIGHT: f32 = 5.0;

/// `L_G = L_oh + a·L_a + b·L_ie` (see the module docs).
pub fn dafl_generator_loss(
    teacher_logits: Tensor<2>,
    teacher_features: Tensor<2>,
    a: f32,
    b: f32,
) -> Tensor<1> {
    let [n, k] = teacher_logits.dims();
    let [_, d] = teacher_features.dims();
    let log_p = log_softmax(teacher_logits.clone(), 1);
    let mean_p = softmax(teacher_logits.clone(), 1).mean_dim(0);
    // The teacher's own top class as the target, a constant. Built on the device by comparing
    // with 0..k (burn's `one_hot` reads its input back synchronously, which WebGPU in a browser
    // cannot do).
    let device = teacher_logits.device();
    let top = teacher_logits.detach().argmax(1).expand([n, k]);
    let classes = Tensor::<1, Int>::arange(0..k as i64, &device)
        .reshape([1, k])
        .expand([n, k]);
    let target = top.equal(classes).float();
    let one_hot = (log_p * target).sum().neg() / n as f32;
    let activation = teacher_features.abs().sum().neg() / (n * d) as f32;
    let entropy = (mean_p.clone() * mean_p.clamp_min(1e-12).log()).sum();
    one_hot + activation * a + entropy * b
}

/// Per-column mean and (biased) variance of `x` `[rows, c]`: each `[c]`.
pub fn batch_moments(x: Tensor<2>) -> (Tensor<1>, Tensor<1>) {
    let [_, c] = x.dims();
    let mean = x.clone().mean_dim(0);
    let var = (x - mean.clone()).powi_scalar(2).mean_dim(0);
    (mean.reshape([c]), var.reshape([c]))
}

/// DeepInversion's feature-statistics term (Yin et al., "Dreaming to Distill", CVPR 2020):
/// `R = Σ_l ‖μ_l(x̂) − μ_l‖₂ + ‖σ²_l(x̂) − σ²_l‖₂`, the batch statistics of the teacher's
/// features on generated images against the statistics it stores from training (there a
/// batch-norm layer's running statistics; here measured once when the teacher is made).
///
/// # Shapes
/// `features[l]`: `[rows, c_l]` (one row per example, or per example and position for conv
/// maps); `targets[l]`: `([c_l], [c_l])`; returns `[1]`.
pub fn feature_stat_loss(
    features: Vec<Tensor<2>>,
    targets: &[(Tensor<1>, Tensor<1>)],
) -> Tensor<1> {
    assert_eq!(
        features.len(),
        targets.len(),
        "one target per feature layer"
    );
    features
        .into_iter()
        .zip(targets)
        .map(|(f, (mu, var))| {
            let (m, v) = batch_moments(f);
            (m - mu.clone()).powi_scalar(2).sum().sqrt()
                + (v - var.clone()).powi_scalar(2).sum().sqrt()
        })
        .reduce(|a, b| a + b)
        .expect("at least one feature layer")
}
