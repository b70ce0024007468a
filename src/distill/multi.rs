//! Distillation from several teachers.
//!
//! The student matches one target distribution built from K teachers' softened outputs
//! `p_k = softmax(t_k/τ)`:
//!
//! - averaged (Hinton et al. 2015, ensembles): `q = (1/K)·Σ_k p_k`;
//! - confidence-weighted: `q = Σ_k w_k·p_k` per example, `w_k ∝ max_c softmax(t_k)_c` (each
//!   teacher's top-1 probability at τ = 1), normalised over the teachers, so a teacher that is
//!   sure of an example speaks louder on it.
//!
//! The loss is `τ²·KL(q ‖ softmax(s/τ))`, summed over classes and averaged over the batch, like
//! Hinton's soft term.
//!
//! # Shapes
//! `student`: `[batch, classes]`; `teachers`: K tensors `[batch, classes]`; returns `[1]`.

use burn::tensor::Tensor;

use super::hinton::log_softmax;

/// How the teachers' distributions are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// The plain mean.
    Average,
    /// Weighted per example by each teacher's top-1 confidence.
    Confidence,
}

/// The combined target distribution `q`, `[batch, classes]` (no gradient).
pub fn combined_target(teachers: &[Tensor<2>], tau: f32, how: Combine) -> Tensor<2> {
    let soft: Vec<Tensor<2>> = teachers
        .iter()
        .map(|t| log_softmax(t.clone().detach() / tau).exp())
        .collect();
    match how {
        Combine::Average => Tensor::stack::<3>(soft, 0).mean_dim(0).squeeze_dim(0),
        Combine::Confidence => {
            let conf: Vec<Tensor<2>> = teachers
                .iter()
                .map(|t| log_softmax(t.clone().detach()).exp().max_dim(1))
                .collect();
            let total = conf
                .iter()
                .skip(1)
                .fold(conf[0].clone(), |a, c| a + c.clone());
            let weighted: Vec<Tensor<2>> = soft
                .into_iter()
                .zip(conf)
                .map(|(p, c)| p * (c / total.clone()))
                .collect();
            weighted
                .iter()
                .skip(1)
                .fold(weighted[0].clone(), |a, w| a + w.clone())
        }
    }
}

/// `τ²·KL(q ‖ softmax(s/τ))` with `q` from [`combined_target`].
pub fn multi_teacher_loss(
    student: Tensor<2>,
    teachers: &[Tensor<2>],
    tau: f32,
    how: Combine,
) -> Tensor<1> {
    let q = combined_target(teachers, tau, how);
    let log_q = q.clone().clamp_min(1e-30).log();
    let log_s = log_softmax(student / tau);
    (q * (log_q - log_s)).sum_dim(1).mean() * (tau * tau)
}
