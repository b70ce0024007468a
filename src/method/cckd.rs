//! Correlation congruence (CCKD; Peng, Jin, Liu, Li, Wu, Liu, Zhou & Zhang, ICCV 2019).
//!
//! Besides matching each example's output (instance congruence, Hinton's loss), the student
//! matches the teacher's *correlation matrix* over the examples of a batch. The correlation is a
//! Gaussian RBF kernel `k(x, y) = exp(−γ‖x − y‖²)` on L2-normalised embeddings: for unit vectors
//! `‖x − y‖² = 2 − 2⟨x, y⟩`, so `k = e^{−2γ}·e^{2γ⟨x, y⟩}`, and the paper replaces the second
//! exponential by its Taylor series to order `P`:
//!
//! `K_ij = e^{−2γ} · Σ_{p=0..P} (2γ)^p / p! · ⟨x_i, x_j⟩^p`, `x_i = f_i / ‖f_i‖`,
//!
//! `L_CC = ‖K_s − K_t‖²_F / b²` (the squared difference averaged over the `b × b` entries).
//!
//! The paper's framework adds it to Hinton's loss: `L = α·L_CE + (1 − α)·L_KD + β·L_CC`. The
//! reference implementations apply it to the penultimate features (after global pooling):
//! AberHu's Knowledge-Distillation-Zoo directly, torchdistill and RepDistiller through learnable
//! 128-wide linear embeddings on both networks.
//! Defaults: `γ = 0.4`, `P = 2` ([`CCKD_GAMMA`], [`CCKD_ORDER`]), as in torchdistill's CCKD
//! configuration and AberHu's Knowledge-Distillation-Zoo; `β = 100` ([`CCKD_WEIGHT`]), the
//! Knowledge-Distillation-Zoo's weight for exactly this loss (normalised rows, mean squared
//! difference). torchdistill's `CCKDLoss` differs in two definitional ways, which we do not follow:
//! it returns `‖K_s − K_t‖_F / b²` (the norm, not its square; its weight 0.003 is for that), and it
//! does not normalise its input (a learnable linear embedding's output).
//!
//! Numerical guard: a row is divided by `max(‖f_i‖, 1e-12)`, PyTorch's `F.normalize`; an all-zero
//! row (a dead ReLU layer) has no direction, so it becomes the zero vector (its correlations are
//! `e^{−2γ}`, its own included) and gets no gradient through the normalisation, where
//! `F.normalize`'s would be of order 1e10. A batch of one has a single correlation, equal for
//! student and teacher: the loss and its gradient are 0.
//!
//! The method (`--method cckd`): Hinton's loss + `cckdWeight`·L_CC on the last hidden layers
//! (the embeddings RKD uses too); no learned part is added (torchdistill and RepDistiller put an
//! optional 128-wide linear projection on both networks, which we leave out).
//!
//! # Shapes
//! `student`: `[batch, d_s]`, `teacher`: `[batch, d_t]` (the widths may differ: the matrices are
//! `[batch, batch]`); the loss is `[1]`.

use burn::tensor::Tensor;

use super::{Distiller, Info, Needs, Param, Step, StepLoss};

/// The RBF kernel's γ (torchdistill's configuration, Knowledge-Distillation-Zoo).
pub const CCKD_GAMMA: f32 = 0.4;
/// The order `P` of the Taylor series (torchdistill's configuration, Knowledge-Distillation-Zoo).
pub const CCKD_ORDER: usize = 2;
/// The weight β of `L_CC` beside Hinton's loss (Knowledge-Distillation-Zoo, same definition).
pub const CCKD_WEIGHT: f32 = 100.0;

pub struct Cckd;

pub static INFO: Info = Info::new("cckd", "CCKD (correlation congruence)", "Peng et al. 2019, Correlation Congruence for Knowledge Distillation")
    .params(&[Param::float("cckdWeight", "ccw", [0.0, 10_000.0, 10.0], CCKD_WEIGHT as f64).help("CCKD: weight β of the correlation-congruence term"), Param::float("cckdGamma", "ccg", [0.0, 10.0, 0.1], CCKD_GAMMA as f64).help("CCKD: γ of the Gaussian RBF kernel exp(−γ‖x − y‖²)"), Param::int("cckdOrder", "ccp", [0, 8], CCKD_ORDER as i64).help("CCKD: order P of the kernel's Taylor series")])
    .needs(Needs::FEATURES.hidden());

impl Distiller for Cckd {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ls, lt) = s.last_hidden();
        let order = s.config.params.num("cckdOrder") as usize;
        let cc = cckd_loss(ls, lt, s.param("cckdGamma"), order);
        (s.hinton(fs.logits) + cc * s.param("cckdWeight")).into()
    }
}

/// Rows divided by `max(‖row‖₂, 1e-12)`; rows of norm ≤ 1e-12 become 0 with no gradient.
pub(crate) fn unit_rows(f: Tensor<2>) -> Tensor<2> {
    let sq = (f.clone() * f.clone()).sum_dim(1);
    // A constant mask: an all-zero row would otherwise receive a gradient scaled by 1/1e-12.
    let keep = sq.clone().greater_elem(1e-24).float();
    f / sq.clamp_min(1e-24).sqrt() * keep
}

/// The correlation matrix `[batch, batch]` of embeddings `[batch, d]`: the order-`order` Taylor
/// series of the Gaussian RBF kernel with parameter `gamma` on the L2-normalised rows.
pub fn cckd_correlation(f: Tensor<2>, gamma: f32, order: usize) -> Tensor<2> {
    let x = unit_rows(f);
    let s = x.clone().matmul(x.transpose());
    // Σ_p c_p·S^p with c_p = (2γ)^p/p!, the powers element-wise, built up term by term. S^0 is
    // built from S so that the result stays on the autodiff graph (with a zero gradient) at P = 0.
    let mut power = s.clone() * 0.0 + 1.0;
    let mut sum = power.clone();
    let mut coefficient = 1.0f32;
    for p in 1..=order {
        coefficient *= 2.0 * gamma / p as f32;
        power = power * s.clone();
        sum = sum + power.clone() * coefficient;
    }
    sum * (-2.0 * gamma).exp()
}

/// `‖K_s − K_t‖²_F / b²` with `K` = [`cckd_correlation`]; the teacher is treated as a constant.
pub fn cckd_loss(student: Tensor<2>, teacher: Tensor<2>, gamma: f32, order: usize) -> Tensor<1> {
    let d =
        cckd_correlation(student, gamma, order) - cckd_correlation(teacher.detach(), gamma, order);
    (d.clone() * d).mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{block_on, cpu_device};
    use crate::model::read_f32;
    use burn::tensor::TensorData;

    fn t2(v: Vec<f32>, shape: [usize; 2]) -> Tensor<2> {
        Tensor::from_data(TensorData::new(v, shape), &cpu_device())
    }

    #[test]
    fn high_order_series_is_the_rbf_kernel() {
        // Unit rows at 90° and 0°: ‖x − y‖² = 2 and 0, so k = e^{−2γ} and 1.
        let f = t2(vec![3.0, 0.0, 0.0, -2.0, 5.0, 0.0], [3, 2]);
        let k = block_on(read_f32(cckd_correlation(f, CCKD_GAMMA, 20))).unwrap();
        let far = (-2.0 * CCKD_GAMMA).exp();
        let want = [1.0, far, 1.0, far, 1.0, far, 1.0, far, 1.0];
        for (a, b) in k.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{k:?}");
        }
    }

    #[test]
    fn same_structure_costs_nothing_whatever_the_scale_or_width() {
        // The teacher's rows are the student's, scaled and padded with zeros: same correlations.
        let s = t2(vec![1.0, 2.0, -1.0, 0.5, 0.0, 3.0], [3, 2]);
        let t = t2(
            vec![10.0, 20.0, 0.0, -10.0, 5.0, 0.0, 0.0, 30.0, 0.0],
            [3, 3],
        );
        let loss = block_on(read_f32(cckd_loss(s, t, CCKD_GAMMA, CCKD_ORDER))).unwrap();
        assert!(loss[0].abs() < 1e-10, "{loss:?}");
    }
}
