//! Progressive layer-wise distillation: an explicit teacher→student layer mapping, distilled one
//! pair at a time from the shallowest to the deepest, then the output (after the block-wise
//! schedule of Wang, Deng & Wang, "Progressive Blockwise Knowledge Distillation for Neural
//! Network Acceleration", IJCAI 2018, with FitNets' adapters, Romero et al. 2015).
//!
//! With `P` pairs `(t_k, s_k)` (shallow first) and `T` steps, pair `k` is distilled alone during
//! steps `[k·S/P, (k+1)·S/P)` with `S = LAYERWISE_SHARE·T`: `L_k = mean (A_k(s_k) − t_k)²` with a
//! learned adapter `A_k` ([`crate::distill::hint_loss`]); the remaining steps use Hinton's loss.
//!
//! Features are compared at 7×7: a conv block's pooled maps at 14×14 are average-pooled to 7×7.
//! A conv→conv pair compares per position (rows `[batch·49, c]`, the adapter a 1×1
//! convolution); any other pair compares flattened vectors (`[batch, c·49]` or `[batch, d]`).

use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use burn::tensor::Tensor;

/// Share of the steps spent on the layer pairs (the rest on the output).
pub const LAYERWISE_SHARE: f32 = 0.5;

/// Side of the grid features are compared at.
pub const COMPARE_SIDE: usize = 7;

/// One layer's features.
#[derive(Debug, Clone)]
pub enum LayerFeature {
    /// A conv block's output `[batch, c, h, w]`, `h = w` a multiple of 7.
    Map(Tensor<4>),
    /// A dense layer's output `[batch, d]`.
    Dense(Tensor<2>),
}

fn pooled(map: Tensor<4>) -> Tensor<4> {
    let [_, _, h, _] = map.dims();
    match h / COMPARE_SIDE {
        1 => map,
        k => avg_pool2d(map, AvgPoolOptions::new([k, k])),
    }
}

fn flat(f: LayerFeature) -> Tensor<2> {
    match f {
        LayerFeature::Dense(x) => x,
        LayerFeature::Map(m) => {
            let m = pooled(m);
            let [b, c, h, w] = m.dims();
            m.reshape([b, c * h * w])
        }
    }
}

fn rows(m: Tensor<4>) -> Tensor<2> {
    let m = pooled(m);
    let [b, c, h, w] = m.dims();
    m.swap_dims(1, 3).swap_dims(1, 2).reshape([b * h * w, c])
}

/// The student's and the teacher's features of one pair as the rows the adapter maps:
/// `([rows, d_s], [rows, d_t])`.
pub fn pair_rows(student: LayerFeature, teacher: LayerFeature) -> (Tensor<2>, Tensor<2>) {
    match (student, teacher) {
        (LayerFeature::Map(s), LayerFeature::Map(t)) => (rows(s), rows(t)),
        (s, t) => (flat(s), flat(t)),
    }
}

/// Which pair step `step` of `total` distils: `Some(k)` during the layer-wise share, `None`
/// after it (the output loss).
pub fn progressive_stage(step: usize, total: usize, pairs: usize) -> Option<usize> {
    let layerwise = (LAYERWISE_SHARE * total as f32).floor() as usize;
    if pairs == 0 || step >= layerwise {
        return None;
    }
    Some((step * pairs / layerwise).min(pairs - 1))
}
