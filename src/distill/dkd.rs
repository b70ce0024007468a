//! Decoupled Knowledge Distillation (Zhao, Cui, Song, Qiu & Liang, CVPR 2022).
//!
//! Hinton's KL splits into a target-class term and a non-target-class term; DKD weighs them
//! separately:
//!
//! `DKD = α·TCKD + β·NCKD`, with, at temperature τ,
//! - `TCKD = τ²·KL(b_t ‖ b_s)`, `b = [p_target, 1 − p_target]` the binary target/others split;
//! - `NCKD = τ²·KL(p̂_t ‖ p̂_s)`, `p̂` the softmax over the non-target classes only;
//!
//! both summed over classes and averaged over the batch, as in the authors' `mdistiller`
//! (which masks the target with `−1000` before the second softmax; we do the same). Unlike
//! their `log(softmax)`, the logs here come from log-sum-exps, so logits of ±50 at τ = 1 stay
//! finite. The paper's defaults are α = 1, β = 8 (with the hard-label CE added by the caller).
//!
//! # Shapes
//! `student`, `teacher`, `one_hot`: `[batch, classes]`; returns `[1]`.

use burn::tensor::Tensor;

use super::hinton::log_softmax;

/// `log Σ exp(x)` over dim 1, stable: `[batch, classes]` → `[batch, 1]`.
fn log_sum_exp(x: Tensor<2>) -> Tensor<2> {
    let max = x.clone().max_dim(1).detach();
    (x - max.clone()).exp().sum_dim(1).log() + max
}

/// `(log p_target, log (1 − p_target))` of `softmax(z)`, each `[batch, 1]`.
fn binary_log_probs(z: Tensor<2>, one_hot: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let all = log_sum_exp(z.clone());
    let target = (z.clone() * one_hot.clone()).sum_dim(1) - all.clone();
    let others = log_sum_exp(z - one_hot * 1000.0) - all;
    (target, others)
}

/// The DKD loss `α·TCKD + β·NCKD` (no hard-label term).
pub fn dkd_loss(
    student: Tensor<2>,
    teacher: Tensor<2>,
    one_hot: Tensor<2>,
    alpha: f32,
    beta: f32,
    tau: f32,
) -> Tensor<1> {
    let (s, t) = (student / tau, teacher.detach() / tau);
    let (st, so) = binary_log_probs(s.clone(), one_hot.clone());
    let (tt, to) = binary_log_probs(t.clone(), one_hot.clone());
    let tckd = tt.clone().exp() * (tt - st) + to.clone().exp() * (to - so);
    let log_pt = log_softmax(t - one_hot.clone() * 1000.0);
    let log_ps = log_softmax(s - one_hot * 1000.0);
    let nckd = (log_pt.clone().exp() * (log_pt - log_ps)).sum_dim(1);
    let per_example = tckd * alpha + nckd * beta;
    per_example.mean() * (tau * tau)
}
