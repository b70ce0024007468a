//! Adam's update of one parameter as one kernel: the new moments and the new value in one pass,
//! where the same arithmetic as tensor operations takes 13 dispatches (and 13 passes over the
//! parameter) per parameter and step. Same operations, same order, in f32 as
//! `crate::train::optim_step` does them.

use burn::backend::tensor::FloatTensor;
use burn::backend::{Cube, DType, TensorMetadata};
use burn_cubecl::ops::numeric::empty_device_contiguous_dtype;
use cubecl::{calculate_cube_count_elemwise, prelude::*};

use super::AdamScalars;

#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn adam_kernel(
    param: &Tensor<f32>,
    grad: &Tensor<f32>,
    m: &Tensor<f32>,
    v: &Tensor<f32>,
    out_param: &mut Tensor<f32>,
    out_m: &mut Tensor<f32>,
    out_v: &mut Tensor<f32>,
    s: Sequence<f32>,
    #[comptime] first: bool,
) {
    let i = ABSOLUTE_POS;
    if i >= out_param.len() {
        terminate!();
    }
    let g = grad[i];
    // s: β₁, 1 − β₁, β₂, 1 − β₂, the combined bias correction, ε·√(1 − β₂ᵗ), lr.
    let mut m_new = g * s[1];
    let mut v_new = (g * g) * s[3];
    if !first {
        // m·β₁ + g·(1 − β₁) (an IEEE sum does not depend on the order of its two terms).
        m_new += m[i] * s[0];
        v_new += v[i] * s[2];
    }
    out_m[i] = m_new;
    out_v[i] = v_new;
    let update = (m_new * s[4]) / (f32::sqrt(v_new) + s[5]);
    out_param[i] = param[i] - update * s[6];
}

/// The fused step when every tensor is a contiguous f32 tensor of the parameter's shape
/// (`None` otherwise: the caller does it with tensor operations).
pub(super) fn adam_step(
    param: FloatTensor<Cube>,
    grad: FloatTensor<Cube>,
    moments: Option<(FloatTensor<Cube>, FloatTensor<Cube>)>,
    s: AdamScalars,
) -> Option<[FloatTensor<Cube>; 3]> {
    let shape = param.shape();
    let same =
        |t: &FloatTensor<Cube>| t.shape() == shape && t.dtype == DType::F32 && t.is_contiguous();
    let ok =
        same(&param) && same(&grad) && moments.as_ref().is_none_or(|(m, v)| same(m) && same(v));
    if !ok || shape.num_elements() == 0 {
        return None;
    }
    let first = moments.is_none();
    let (m, v) = moments.unwrap_or_else(|| (grad.clone(), grad.clone()));
    let n = shape.num_elements();
    let new = || {
        empty_device_contiguous_dtype(
            param.client.clone(),
            param.device.clone(),
            shape.clone(),
            DType::F32,
        )
    };
    let (out_param, out_m, out_v) = (new(), new(), new());
    let client = param.client.clone();
    let dim = CubeDim::new(&client, n);
    let count = calculate_cube_count_elemwise(&client, n, dim);
    let mut scalars = SequenceArg::new();
    for x in [
        s.beta_1,
        1.0 - s.beta_1,
        s.beta_2,
        1.0 - s.beta_2,
        s.combined,
        s.epsilon,
        s.lr,
    ] {
        scalars.push(x);
    }
    // SAFETY: one invocation per element, guarded by i < len; every tensor has n elements
    // and is contiguous (checked above).
    unsafe {
        adam_kernel::launch_unchecked(
            &client,
            count,
            dim,
            param.into_tensor_arg(),
            grad.into_tensor_arg(),
            m.into_tensor_arg(),
            v.into_tensor_arg(),
            out_param.clone().into_tensor_arg(),
            out_m.clone().into_tensor_arg(),
            out_v.clone().into_tensor_arg(),
            scalars,
            first,
        );
    }
    Some([out_param, out_m, out_v])
}
