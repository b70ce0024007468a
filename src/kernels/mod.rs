//! Our own GPU kernels, reached through burn's backend extension (`#[backend_extension]`).
//!
//! burn 0.22 runs every matmul through cubek's launcher with its default strategy when autotune
//! is off (our builds: autotune's first candidates can be broken shaders on wasm, cubecl issue
//! 1641). On the browser's WebGPU that default gave the dense layers' `[256, 800]` products 52
//! workgroups of 64 threads with ~64 outputs each. [`matmul`] runs them as a register-tiled
//! kernel instead (`tiled.rs`): 8×8 threads per workgroup, 4×4 outputs per thread on a GPU
//! (32×32 tiles, the layout of TF.js's packed WebGPU matmul) and 16×16 on an emulated one
//! ([`set_adapter`]), reading its operands through their strides so the backward pass's
//! transposed operands need no copy. [`adam_update`] does Adam's step of one parameter as one
//! kernel (`adam.rs`) instead of 13 tensor operations. [`conv2d`] is burn's convolution except
//! for its weight gradient, which on a GPU is our kernel split over samples (`conv.rs`), where
//! burn's gave the CNN student's weights 2 and 5 workgroups.
//!
//! On the CPU backends the extension is burn's own matmul and convolution, and Adam stays tensor
//! operations. The switch [`set_tiled`] (all three kernels) exists so that the benchmarks can
//! compare them with burn's in one run; the lab keeps it on.

// The generated dispatch names burn's NdArray backend, deprecated in favour of Flex; the native
// benchmarks still train on it.
#![allow(deprecated)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Backend, Dispatch};
use burn::tensor::ops::ConvOptions;
use burn::tensor::Tensor;

mod autodiff;

// With burn's fusion (`gpu-tuned`, for `make device-kit`), `Cube` is the fusion backend, whose
// tensors our launch cannot take: there the dense products stay burn's.
#[cfg(all(
    any(not(target_family = "wasm"), feature = "webgpu"),
    not(feature = "gpu-tuned")
))]
mod adam;
#[cfg(all(
    any(not(target_family = "wasm"), feature = "webgpu"),
    not(feature = "gpu-tuned")
))]
mod conv;
#[cfg(all(
    any(not(target_family = "wasm"), feature = "webgpu"),
    not(feature = "gpu-tuned")
))]
mod tiled;
#[cfg(all(not(target_family = "wasm"), feature = "gpu-tuned"))]
impl DenseOps for burn::backend::Cube {}

static TILED: AtomicBool = AtomicBool::new(true);
static CPU_ADAPTER: AtomicBool = AtomicBool::new(false);
/// Launches of the tiled kernel so far (the tests check that it, not burn's matmul, ran).
static LAUNCHES: AtomicUsize = AtomicUsize::new(0);

#[cfg(all(
    any(not(target_family = "wasm"), feature = "webgpu"),
    not(feature = "gpu-tuned")
))]
pub use conv::conv_launches;

/// How many times the convolution weight-gradient kernel has been launched (none in this build).
#[cfg(not(all(
    any(not(target_family = "wasm"), feature = "webgpu"),
    not(feature = "gpu-tuned")
)))]
pub fn conv_launches() -> usize {
    0
}

/// How many times the tiled kernel has been launched in this process.
pub fn tiled_launches() -> usize {
    LAUNCHES.load(Ordering::Relaxed)
}

/// Tells the kernels what the GPU is (called when the wgpu device is created): on an adapter
/// that emulates a GPU on the CPU (SwiftShader, llvmpipe/lavapipe, any adapter wgpu reports as
/// a CPU or the browser as its fallback), each of its few threads does far more per load.
#[cfg(any(not(target_family = "wasm"), feature = "webgpu"))]
pub fn set_adapter(info: &burn::tensor::wgpu::wgpu::AdapterInfo) {
    let name = info.name.to_ascii_lowercase();
    let emulated = info.device_type == burn::tensor::wgpu::wgpu::DeviceType::Cpu
        || ["swiftshader", "llvmpipe", "lavapipe", "software"]
            .iter()
            .any(|s| name.contains(s));
    CPU_ADAPTER.store(emulated, Ordering::Relaxed);
}

/// Overrides what [`set_adapter`] found (the kernel tests run both tile shapes on one adapter).
pub fn set_emulated(emulated: bool) {
    CPU_ADAPTER.store(emulated, Ordering::Relaxed);
}

/// Whether the GPU is emulated on the CPU (see [`set_adapter`]).
pub fn cpu_adapter() -> bool {
    CPU_ADAPTER.load(Ordering::Relaxed)
}

/// Whether the GPU runs our kernels (true, the default: the tiled matmul, the fused Adam step and
/// the convolutions' weight gradient) or burn's.
pub fn set_tiled(on: bool) {
    TILED.store(on, Ordering::Relaxed);
}

/// See [`set_tiled`].
pub fn tiled_enabled() -> bool {
    TILED.load(Ordering::Relaxed)
}

/// The operations our kernels take over, as backend operations of their own: the dense layers'
/// matrix product, Adam's step and the convolution (for its weight gradient).
#[backend_extension(
    Cube: cfg(any(not(target_family = "wasm"), feature = "webgpu")),
    Flex: cfg(any(not(target_family = "wasm"), feature = "cpu")),
    NdArray: cfg(not(target_family = "wasm")),
    Autodiff
)]
pub trait DenseOps: Backend {
    /// `lhs · rhs` for `[m, k] · [k, n]` (any strides); burn's matmul unless overridden.
    fn dense_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::float_matmul(lhs, rhs)
    }

    /// Adam's update of one parameter: `(new value, m, v)`. `first`: no moments yet (`m` and
    /// `v` are then ignored). Tensor operations unless overridden (one kernel on a GPU).
    fn dense_adam(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        first: bool,
        s: AdamScalars,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        adam_ops::<Self>(param, grad, (!first).then_some((m, v)), s)
    }

    /// burn's 2-D convolution `x [B, C, H, W] ⋆ weight [O, C, kh, kw] + bias [O]`, whose
    /// gradient with respect to the weight is [`DenseOps::conv_weight_grad`].
    fn dense_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, Some(bias), options)
    }

    /// A convolution's weight gradient from its input and its output's gradient: burn's unless
    /// overridden (on a GPU, our kernel split over samples: `conv.rs`).
    fn conv_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, grad, options)
    }
}

/// Adam's scalars for one step: β₁, β₂, the combined bias correction `√(1 − β₂ᵗ)/(1 − β₁ᵗ)`,
/// ε·√(1 − β₂ᵗ) and the learning rate (as `crate::train::optim_step` computes them).
#[derive(Debug, Clone, Copy)]
pub struct AdamScalars {
    pub beta_1: f32,
    pub beta_2: f32,
    pub combined: f32,
    pub epsilon: f32,
    pub lr: f32,
}

/// [`DenseOps::dense_adam`] as tensor operations (13 dispatches on a GPU).
fn adam_ops<B: Backend>(
    param: FloatTensor<B>,
    grad: FloatTensor<B>,
    moments: Option<(FloatTensor<B>, FloatTensor<B>)>,
    s: AdamScalars,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let g1 = B::float_mul_scalar(grad.clone(), (1.0 - s.beta_1).into());
    let g2 = B::float_mul_scalar(B::float_mul(grad.clone(), grad), (1.0 - s.beta_2).into());
    let (m, v) = match moments {
        Some((m, v)) => (
            B::float_add(B::float_mul_scalar(m, s.beta_1.into()), g1),
            B::float_add(B::float_mul_scalar(v, s.beta_2.into()), g2),
        ),
        None => (g1, g2),
    };
    let update = B::float_div(
        B::float_mul_scalar(m.clone(), s.combined.into()),
        B::float_add_scalar(B::float_sqrt(v.clone()), s.epsilon.into()),
    );
    let param = B::float_sub(param, B::float_mul_scalar(update, s.lr.into()));
    (param, m, v)
}

/// Adam's update of one parameter in one kernel when it lives on a GPU (`None` on the CPU
/// backends, where the caller keeps its tensor operations).
pub fn adam_update<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    moments: Option<(Tensor<D>, Tensor<D>)>,
    s: AdamScalars,
) -> Option<(Tensor<D>, Tensor<D>, Tensor<D>)> {
    if !tiled_enabled() || cfg!(feature = "gpu-tuned") || !on_gpu(&param.device()) {
        return None;
    }
    let first = moments.is_none();
    let (m, v) = moments.unwrap_or_else(|| (grad.clone(), grad.clone()));
    let (p, m, v) = <Dispatch as DenseOps>::dense_adam(
        param.into_dispatch(),
        grad.into_dispatch(),
        m.into_dispatch(),
        v.into_dispatch(),
        first,
        s,
    );
    Some((
        Tensor::from_dispatch(p),
        Tensor::from_dispatch(m),
        Tensor::from_dispatch(v),
    ))
}

/// Whether `device` is burn's cubecl backend (a GPU through wgpu), with or without autodiff.
pub fn on_gpu(device: &burn::tensor::Device) -> bool {
    let mut d = device.as_dispatch().clone();
    loop {
        match d {
            burn::backend::DispatchDevice::Autodiff(inner) => d = inner.inner(),
            #[cfg(any(not(target_family = "wasm"), feature = "webgpu"))]
            burn::backend::DispatchDevice::Cube(_) => return true,
            #[allow(unreachable_patterns)]
            _ => return false,
        }
    }
}

#[cfg(any(not(target_family = "wasm"), feature = "cpu"))]
impl DenseOps for burn::backend::Flex {}

#[cfg(not(target_family = "wasm"))]
impl DenseOps for burn::backend::NdArray {}

/// Which kernel the dense products get on a GPU, in words (benchmarks and the page's badge).
pub fn describe() -> String {
    match (tiled_enabled(), cpu_adapter()) {
        (false, _) => "burn's matmul (cubek's default strategy)".into(),
        _ if cfg!(feature = "gpu-tuned") => "burn's matmul (fusion build)".into(),
        (true, true) => {
            "tiled, 8×8 threads × 16×16 outputs (8×16 below 128 rows or columns): an emulated GPU"
                .into()
        }
        (true, false) => "tiled, 8×8 threads × 4×4 outputs (32×32 tiles)".into(),
    }
}

/// `lhs · rhs`, `[m, k] · [k, n] → [m, n]`, through [`DenseOps`] (our tiled kernel on a GPU).
pub fn matmul(lhs: Tensor<2>, rhs: Tensor<2>) -> Tensor<2> {
    let out = <Dispatch as DenseOps>::dense_matmul(lhs.into_dispatch(), rhs.into_dispatch());
    Tensor::from_dispatch(out)
}

/// A convolution with bias through [`DenseOps`]: burn's forward and input gradient, and on a
/// GPU our weight gradient (`conv.rs`).
pub fn conv2d(x: Tensor<4>, w: Tensor<4>, b: Tensor<1>, options: ConvOptions<2>) -> Tensor<4> {
    let out = <Dispatch as DenseOps>::dense_conv2d(
        x.into_dispatch(),
        w.into_dispatch(),
        b.into_dispatch(),
        options,
    );
    Tensor::from_dispatch(out)
}

/// A dense layer: `x · w + b`, `[batch, in] · [in, out] + [out]`.
pub fn linear(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>) -> Tensor<2> {
    matmul(x, w) + b.unsqueeze_dim(0)
}
