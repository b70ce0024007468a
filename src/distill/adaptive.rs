//! Dynamic distillation: α and τ schedules, and a per-example temperature.
//!
//! **Schedules.** α (the hard-label weight) and τ can move over the run from their start value
//! to an end value: constant, linear, or cosine (`end + (start − end)·½(1 + cos πt)`, t the
//! fraction of the run done).
//!
//! **Entropy-matched τ (adaptive).** A fixed τ softens a confident teacher output far less than
//! an unsure one: at τ = 4 the teacher's distribution on an easy "1" is still nearly one-hot
//! while on an ambiguous "4/9" it is nearly flat. Here each example gets its own τ_i, chosen
//! (by bisection on log τ, in [0.5, 20]) so that `softmax(t_i/τ_i)` has a target entropy — every
//! example then carries the same amount of dark knowledge. The loss is Hinton's with per-example
//! τ: `α·CE + (1−α)·mean_i τ_i²·KL(softmax(t_i/τ_i) ‖ softmax(s_i/τ_i))`.
//!
//! # Shapes
//! `student`, `teacher`, `one_hot`: `[batch, classes]`; `taus`: `[batch, 1]`; returns `[1]`.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::hinton::{cross_entropy, log_softmax};
use crate::analysis::{entropy_bits, softmax_tau};

/// Lowest and highest per-example temperature.
pub const TAU_RANGE: (f32, f32) = (0.5, 20.0);

/// How a value moves from its start to its end over the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Ramp {
    /// The start value throughout.
    #[default]
    Constant,
    /// Straight from start to end.
    Linear,
    /// Half a cosine from start to end (slow at both ends).
    Cosine,
}

impl Ramp {
    /// The value at fraction `t ∈ [0, 1]` of the run.
    pub fn at(self, start: f32, end: f32, t: f32) -> f32 {
        let t = t.clamp(0.0, 1.0);
        match self {
            Ramp::Constant => start,
            Ramp::Linear => start + (end - start) * t,
            Ramp::Cosine => end + (start - end) * 0.5 * (1.0 + (std::f32::consts::PI * t).cos()),
        }
    }
}

/// The τ in [`TAU_RANGE`] at which `softmax(logits/τ)` has `bits` of entropy (the nearest end of
/// the range when none has).
pub fn tau_for_entropy(logits: &[f32], bits: f32) -> f32 {
    let h = |tau: f32| entropy_bits(&softmax_tau(logits, tau)) as f32;
    let (lo, hi) = TAU_RANGE;
    if h(lo) >= bits {
        return lo;
    }
    if h(hi) <= bits {
        return hi;
    }
    let (mut a, mut b) = (lo.ln(), hi.ln());
    for _ in 0..40 {
        let m = 0.5 * (a + b);
        if h(m.exp()) < bits {
            a = m;
        } else {
            b = m;
        }
    }
    (0.5 * (a + b)).exp()
}

/// Hinton's loss with one temperature per example.
pub fn hinton_loss_per_example(
    student: Tensor<2>,
    teacher: Tensor<2>,
    one_hot: Tensor<2>,
    alpha: f32,
    taus: Tensor<2>,
) -> Tensor<1> {
    let hard = cross_entropy(student.clone(), one_hot);
    let log_t = log_softmax(teacher.detach() / taus.clone());
    let log_s = log_softmax(student / taus.clone());
    let kl = (log_t.clone().exp() * (log_t - log_s)).sum_dim(1);
    let soft = (kl * taus.clone() * taus).mean();
    hard * alpha + soft * (1.0 - alpha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_and_entropy_matched_tau() {
        assert_eq!(Ramp::Constant.at(4.0, 1.0, 0.7), 4.0);
        assert!((Ramp::Linear.at(4.0, 1.0, 0.5) - 2.5).abs() < 1e-6);
        assert!((Ramp::Cosine.at(4.0, 1.0, 0.0) - 4.0).abs() < 1e-6);
        assert!((Ramp::Cosine.at(4.0, 1.0, 1.0) - 1.0).abs() < 1e-6);
        assert!((Ramp::Cosine.at(4.0, 1.0, 0.5) - 2.5).abs() < 1e-6);
        let sure = [12.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let unsure = [2.0, 1.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let (ts, tu) = (tau_for_entropy(&sure, 2.0), tau_for_entropy(&unsure, 2.0));
        assert!(ts > tu, "a confident teacher needs more heat: {ts} vs {tu}");
        for (l, t) in [(&sure, ts), (&unsure, tu)] {
            let h = entropy_bits(&softmax_tau(l, t));
            assert!((h - 2.0).abs() < 1e-3, "{h}");
        }
        // Unreachable targets clamp to the range.
        assert_eq!(tau_for_entropy(&sure, 0.0), TAU_RANGE.0);
        assert_eq!(tau_for_entropy(&sure, 3.33), TAU_RANGE.1);
    }
}
