//! Why τ²: the size of the soft loss's gradient as the temperature changes.
//!
//! For large τ the gradient of `KL(softmax(t/τ) ‖ softmax(s/τ))` with respect to the student's
//! logits is `(q − p)/τ ≈ (s − t)/(N·τ²)` (Hinton et al. 2015, §2.1), so without a correction
//! the soft term fades as 1/τ² next to the hard-label term. Multiplying it by τ² keeps its
//! gradient on the same scale at every temperature. Here the norms come from the real
//! autodiff, over all the student's parameters.

use burn::tensor::Tensor;
use serde::Serialize;

use crate::distill::soft_kl;
use crate::model::{read_f32, ModelSpec, Net};
use crate::{err, Result};

/// The most parameters of the fresh student the "why τ²" view builds before any run (its widths
/// come from the page's link, and the view runs on page load, before the visitor presses
/// anything). `mlp:800,800` (1.27 M) fits; `mlp:4096,4096,4096,4096` (53.6 M) does not.
pub const VIEW_MAX_PARAMS: usize = 2_000_000;

/// The fresh student the "why τ²" view measures for the page's `hidden` widths and `classes`
/// classes: parsed as `mlp:W1,…` by [`ModelSpec::parse`] (its width and depth limits), and
/// refused with a message above [`VIEW_MAX_PARAMS`].
pub fn view_student(hidden: &[usize], classes: usize) -> Result<ModelSpec> {
    let widths: Vec<String> = hidden.iter().map(ToString::to_string).collect();
    let spec = ModelSpec::parse(&format!("mlp:{}", widths.join(",")))
        .map_err(|e| e.context("why τ², student widths"))?;
    match spec.num_params(classes) {
        n if n <= VIEW_MAX_PARAMS => Ok(spec),
        n => Err(err!(
            "why τ²: a fresh {spec} student has {n} parameters; before a run this view measures \
             students of at most {VIEW_MAX_PARAMS} (after Start it measures the trained one)"
        )),
    }
}

/// Gradient norms of the soft loss at one temperature.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GradientPoint {
    /// The temperature τ.
    pub tau: f32,
    /// `‖∇θ KL‖₂` without the τ² factor.
    pub plain: f64,
    /// `‖∇θ τ²·KL‖₂ = τ²·plain`.
    pub scaled: f64,
}

/// `n` temperatures from `lo` to `hi` (both > 0), evenly spaced in log scale.
pub fn log_spaced(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|i| {
            let t = if n > 1 {
                i as f32 / (n - 1) as f32
            } else {
                0.0
            };
            (a + (b - a) * t).exp()
        })
        .collect()
}

/// The soft-loss gradient norm of `model` on the fixed batch `x` with teacher logits `teacher`
/// at each temperature in `taus`. `model` must live on an autodiff device, as `x` and
/// `teacher` do.
///
/// # Shapes
/// - `x`: `[batch, 784]`; `teacher`: `[batch, 10]`
pub async fn soft_gradient_norms(
    model: &Net,
    x: Tensor<2>,
    teacher: Tensor<2>,
    taus: &[f32],
) -> Result<Vec<GradientPoint>> {
    let mut squares = Vec::with_capacity(taus.len());
    for &tau in taus {
        let loss = soft_kl(model.forward(x.clone(), 0.0), teacher.clone(), tau);
        let grads = loss.backward();
        squares.push(model.grad_sq_norm(&grads));
    }
    if squares.is_empty() {
        return Ok(Vec::new());
    }
    let squares = read_f32(Tensor::cat(squares, 0)).await?;
    Ok(taus
        .iter()
        .zip(squares)
        .map(|(&tau, sq)| {
            let plain = f64::from(sq).sqrt();
            GradientPoint {
                tau,
                plain,
                scaled: plain * f64::from(tau) * f64::from(tau),
            }
        })
        .collect())
}
