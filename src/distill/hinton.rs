//! Hinton, Vinyals & Dean (2015), "Distilling the Knowledge in a Neural Network".
//!
//! `L = α·CE(y, s) + (1−α)·τ²·KL(softmax(t/τ) ‖ softmax(s/τ))`, with the KL summed over classes
//! and averaged over the batch (PyTorch's `kl_div(..., reduction="batchmean")`). The τ² factor
//! keeps the soft term's gradient magnitude independent of τ (its gradient scales as 1/τ²).

use burn::tensor::Tensor;

/// Numerically stable log-softmax over the class axis (dim 1).
///
/// Subtracting the (detached) row maximum first keeps `exp` from overflowing for logits like
/// ±50 at τ = 0.5; the shift does not change the result or its gradient.
///
/// # Shapes
/// - `x`: `[batch, classes]` → `[batch, classes]`
pub fn log_softmax(x: Tensor<2>) -> Tensor<2> {
    let max = x.clone().max_dim(1).detach();
    let shifted = x - max;
    let lse = shifted.clone().exp().sum_dim(1).log();
    shifted - lse
}

/// Cross-entropy with one-hot targets, averaged over the batch.
///
/// # Shapes
/// - `logits`, `one_hot`: `[batch, classes]`; returns `[1]`
pub fn cross_entropy(logits: Tensor<2>, one_hot: Tensor<2>) -> Tensor<1> {
    (one_hot * log_softmax(logits)).sum_dim(1).mean().neg()
}

/// `KL(softmax(t/τ) ‖ softmax(s/τ))`, summed over classes, averaged over the batch.
///
/// The teacher side is detached: no gradient flows into the teacher.
///
/// # Shapes
/// - `student`, `teacher`: `[batch, classes]`; returns `[1]`
pub fn soft_kl(student: Tensor<2>, teacher: Tensor<2>, tau: f32) -> Tensor<1> {
    let log_t = log_softmax(teacher.detach() / tau);
    let p_t = log_t.clone().exp();
    let log_s = log_softmax(student / tau);
    // Where p_t underflows to 0 the term is 0·(finite) = 0: log_t stays finite thanks to the
    // shifted log-softmax, so extreme logits give no NaN.
    (p_t * (log_t - log_s)).sum_dim(1).mean()
}

/// Hinton's distillation loss `α·CE(y, s) + (1−α)·τ²·KL(softmax(t/τ) ‖ softmax(s/τ))`.
///
/// # Shapes
/// - `student`: `[batch, classes]` student logits
/// - `teacher`: `[batch, classes]` teacher logits for the same examples, in the same order
/// - `one_hot`: `[batch, classes]` hard labels
/// - returns `[1]`
pub fn hinton_loss(
    student: Tensor<2>,
    teacher: Tensor<2>,
    one_hot: Tensor<2>,
    alpha: f32,
    tau: f32,
) -> Tensor<1> {
    let hard = cross_entropy(student.clone(), one_hot);
    if alpha >= 1.0 {
        return hard;
    }
    let soft = soft_kl(student, teacher, tau);
    hard * alpha + soft * ((1.0 - alpha) * tau * tau)
}
