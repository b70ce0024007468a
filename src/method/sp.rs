//! Similarity-preserving distillation (SP; Tung & Mori, ICCV 2019).
//!
//! Inputs that the teacher finds similar should look similar to the student too, in the student's
//! own feature space: the student matches the teacher's pairwise similarities within a batch, not
//! its features. With `Q` a layer's activations flattened to `[b, n]`:
//!
//! `G = row-normalise(Q·Qᵀ)` (each row divided by its L2 norm), `L_SP = ‖G_s − G_t‖²_F / b²`,
//!
//! and the student minimises `L_CE + γ·L_SP`. The paper uses γ = 3000 on CIFAR-10 (WideResNets),
//! on the last convolutional group's output; RepDistiller (CIFAR-100, on the last block's map
//! before pooling, batch 64) and AberHu's Knowledge-Distillation-Zoo use 3000 too: [`SP_WEIGHT`].
//! Each row of `G` has norm 1, so for a given per-row mismatch `L_SP` shrinks like 1/b: γ is tied
//! to the batch size; RepDistiller's 64 is also this lab's default.
//!
//! torchdistill's `SPKDLoss` (1.1.5) normalises the rows with the L1 norm (`normalize(G, 1)` sets
//! `p`, not `dim`); we follow the paper's L2, as does RepDistiller's implementation (marked
//! there as verified by the paper's author).
//!
//! Numerical guard: a row of `G` is divided by `max(‖G_i‖, 1e-12)`, PyTorch's `F.normalize`. An
//! all-zero feature row (a dead ReLU layer) gives an all-zero row of `G`: it stays 0 and gets no
//! gradient through the normalisation (`F.normalize`'s would be of order 1e10). A batch of one has
//! `G = [1]` for both networks: the loss and its gradient are 0. Rows are not scale-free below
//! ‖G_i‖ ≈ 1e-12 (features of order 1e-6 and smaller), as with `F.normalize`.
//!
//! The method (`--method sp`): Hinton's loss + `spWeight`·L_SP on the last hidden layers (for CNN
//! students too: their dense layer after the conv blocks), like this lab's other feature methods;
//! α = 1 gives the paper's `L_CE + γ·L_SP`.
//!
//! # Shapes
//! `student`: `[batch, n_s]`, `teacher`: `[batch, n_t]` (feature maps flattened; the sizes may
//! differ: `G` is `[batch, batch]`); returns `[1]`.

use burn::tensor::Tensor;

use super::cckd::unit_rows;
use super::{Distiller, Info, Needs, Param, Step, StepLoss};

/// The weight γ of `L_SP` beside the cross-entropy (the paper's CIFAR-10 value).
pub const SP_WEIGHT: f32 = 3000.0;

pub struct Sp;

pub static INFO: Info = Info::new("sp", "Similarity-preserving KD", "Tung & Mori 2019, Similarity-Preserving Knowledge Distillation")
    .params(&[Param::float("spWeight", "spw", [0.0, 100_000.0, 100.0], SP_WEIGHT as f64).help("SP: weight γ of the similarity-preserving term (paper: 3000 at batch 64)")])
    .needs(Needs::FEATURES.hidden());

impl Distiller for Sp {
    fn loss(&self, s: Step) -> StepLoss {
        let (fs, ls, lt) = s.last_hidden();
        let sp = sp_loss(ls, lt);
        (s.hinton(fs.logits) + sp * s.param("spWeight")).into()
    }
}

/// The row-normalised similarity matrix `[batch, batch]` of flattened features `[batch, n]`.
pub fn sp_similarity(f: Tensor<2>) -> Tensor<2> {
    unit_rows(f.clone().matmul(f.transpose()))
}

/// `‖G_s − G_t‖²_F / b²` with `G` = [`sp_similarity`]; the teacher is treated as a constant.
pub fn sp_loss(student: Tensor<2>, teacher: Tensor<2>) -> Tensor<1> {
    let d = sp_similarity(student) - sp_similarity(teacher.detach());
    (d.clone() * d).mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{block_on, cpu_device};
    use crate::model::read_f32;
    use burn::tensor::TensorData;

    #[test]
    fn similarities_are_unit_rows_and_a_zero_row_stays_zero() {
        let f = Tensor::<2>::from_data(
            TensorData::new(vec![1.0, 0.0, 1.0, 1.0, 0.0, 0.0], [3, 2]),
            &cpu_device(),
        );
        let g = block_on(read_f32(sp_similarity(f))).unwrap();
        let r = 1.0 / 2f32.sqrt();
        let h = 1.0 / 5f32.sqrt();
        let want = [r, r, 0.0, h, 2.0 * h, 0.0, 0.0, 0.0, 0.0];
        for (a, b) in g.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{g:?}");
        }
    }
}
