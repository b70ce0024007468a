//! Fake quantization with a straight-through estimator, for quantization-aware distillation.
//!
//! Quantization-aware training (Jacob et al., CVPR 2018) runs the forward pass with the values
//! an integer network would see and lets the gradient pass "straight through" the rounding
//! (Bengio et al. 2013). With `s` the scale and `[lo, hi]` the integer range:
//!
//! - forward: `q(x) = s · clamp(round(x / s), lo, hi)` (round half to even);
//! - backward: `∂q/∂x = 1` where `round(x / s)` lies in `[lo, hi]`, else 0 (PyTorch's
//!   `fake_quantize_per_tensor_affine` / `_per_channel_affine`); the scale gets no gradient.
//!
//! Weights are symmetric signed b-bit per output channel, `s_c = max|w_c| / (2^(b−1) − 1)`;
//! activations (every layer's input: pixels or ReLU outputs, never negative) are unsigned b-bit
//! per tensor, `s = max(x) / (2^b − 1)`, from the batch itself while training (calibrated once
//! on training images for the integer network, [`crate::model::QuantNet`]). Scales are at least
//! `f32::EPSILON`, as PyTorch's observers make them, so an all-zero tensor stays 0.
//!
//! Quantization-aware *distillation* is Hinton's loss on the fake-quantized student's logits.

use burn::tensor::Tensor;

/// The fewest and most bits we quantize to.
pub const BITS_RANGE: (u32, u32) = (2, 8);

/// Largest code of a signed symmetric `bits`-bit weight: `2^(bits−1) − 1` (127 for int8).
pub fn weight_levels(bits: u32) -> f32 {
    ((1u32 << (bits - 1)) - 1) as f32
}

/// Largest code of an unsigned `bits`-bit activation: `2^bits − 1` (255 for uint8).
pub fn act_levels(bits: u32) -> f32 {
    ((1u32 << bits) - 1) as f32
}

/// `s · clamp(round(x · (1/s)), lo, hi)` with the straight-through gradient (see the module
/// docs). `scale` broadcasts against `x` and is treated as a constant.
pub fn fake_quant<const D: usize>(x: Tensor<D>, scale: Tensor<D>, lo: f32, hi: f32) -> Tensor<D> {
    let scale = scale.detach();
    let codes = (x.clone().detach() * scale.clone().recip()).round();
    let inside = codes
        .clone()
        .greater_equal_elem(lo)
        .bool_and(codes.clone().lower_equal_elem(hi))
        .float();
    let q = codes.clamp(lo, hi) * scale;
    // `x − x.detach()` is 0 in value and the identity in gradient.
    q + (x.clone() - x.detach()) * inside
}

/// Per-output-channel symmetric fake quantization of a dense weight in burn's `[in, out]`
/// layout.
pub fn fake_quant_dense(w: Tensor<2>, bits: u32) -> Tensor<2> {
    let levels = weight_levels(bits);
    let scale = (w.clone().detach().abs().max_dim(0) / levels).clamp_min(f32::EPSILON);
    fake_quant(w, scale, -levels, levels)
}

/// Per-output-channel symmetric fake quantization of a conv weight `[out, in, kh, kw]`.
pub fn fake_quant_conv(w: Tensor<4>, bits: u32) -> Tensor<4> {
    let levels = weight_levels(bits);
    let scale = (w.clone().detach().abs().max_dims(&[1, 2, 3]) / levels).clamp_min(f32::EPSILON);
    fake_quant(w, scale, -levels, levels)
}

/// Per-tensor unsigned fake quantization of a non-negative activation, its scale from the
/// tensor's own maximum.
pub fn fake_quant_act<const D: usize>(x: Tensor<D>, bits: u32) -> Tensor<D> {
    let levels = act_levels(bits);
    let all: Vec<usize> = (0..D).collect();
    let scale = (x.clone().detach().max_dims(&all) / levels).clamp_min(f32::EPSILON);
    fake_quant(x, scale, 0.0, levels)
}
