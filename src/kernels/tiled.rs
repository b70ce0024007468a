//! The register-tiled matmul kernel (cubecl, compiled to WGSL in the browser, to SPIR-V/WGSL
//! natively) and its launch on burn's cubecl backend.
//!
//! A workgroup of 8×8 threads computes a 32×32 tile of the output; each thread keeps a 4×4 block
//! of it in registers (rows `ty + 8i`, columns `tx + 8j`, so that neighbouring threads read
//! neighbouring columns), and per step of the inner dimension loads 4 values of each operand for
//! 16 multiply-adds. Rows and columns past the edge read the last valid one and are not written:
//! the loop has no branch. Operands are read through their strides (a transposed operand is a
//! view); the output is a new contiguous tensor.

use burn::backend::cubecl::dtype_to_storage_type;
use burn::backend::ops::{FloatTensorOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Cube, TensorMetadata};
use burn::tensor::ops::ConvOptions;
use burn::tensor::Shape;
use burn_cubecl::kernel::untile;
use burn_cubecl::ops::numeric::empty_device_contiguous_dtype;
use cubecl::prelude::*;

use std::sync::atomic::Ordering;

use super::{cpu_adapter, tiled_enabled, AdamScalars, DenseOps, LAUNCHES};

/// Threads per workgroup along each axis, and outputs per thread along rows and columns.
///
/// A GPU: 8×8 threads with 4×4 outputs each (32×32 tiles, TF.js's layout), so that even the
/// default student's `[64, 128]` product spans 8 workgroups. An emulated GPU (SwiftShader,
/// lavapipe) runs each workgroup on one CPU thread with the invocations as SIMD lanes, where
/// every load is a bounds-checked gather: there, throughput grew with the outputs per thread
/// (`cargo test --test kernels time_ -- --ignored` on lavapipe, `[256, 800]·[800, 800]`:
/// 0.13 GFLOP/s at 1×1, 0.58 at 4×4, 1.1 at 8×8, 1.75 at 16×16; burn's default 0.82).
fn tiles(m: usize, n: usize) -> (usize, usize, usize) {
    if !cpu_adapter() {
        return (8, 4, 4);
    }
    if m >= 128 && n >= 128 {
        (8, 16, 16)
    } else {
        (8, 8, 16)
    }
}

/// Workgroups per dimension WebGPU guarantees (`maxComputeWorkgroupsPerDimension`).
const MAX_GROUPS: usize = 65_535;

#[cube(launch_unchecked)]
fn matmul_tiled_kernel<F: Float>(
    lhs: &Tensor<F>,
    rhs: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] threads: usize,
    #[comptime] tm: usize,
    #[comptime] tn: usize,
    #[define(F)] _dtype: ElemType,
) {
    let m = out.shape(0);
    let n = out.shape(1);
    let k_len = lhs.shape(1);
    let lhs_row = lhs.stride(0);
    let lhs_k = lhs.stride(1);
    let rhs_k = rhs.stride(0);
    let rhs_col = rhs.stride(1);
    let row0 = CUBE_POS_Y as usize * (threads * tm) + UNIT_POS_Y as usize;
    let col0 = CUBE_POS_X as usize * (threads * tn) + UNIT_POS_X as usize;

    // Offsets of this thread's rows and columns, clamped to the last valid one.
    let mut a_at = Array::<usize>::new(tm);
    let mut b_at = Array::<usize>::new(tn);
    #[unroll]
    for i in 0..tm {
        a_at[i] = min(row0 + threads * i, m - 1) * lhs_row;
    }
    #[unroll]
    for j in 0..tn {
        b_at[j] = min(col0 + threads * j, n - 1) * rhs_col;
    }
    let mut acc = Array::<F>::new(tm * tn);
    #[unroll]
    for i in 0..tm * tn {
        acc[i] = F::new(0.0);
    }
    let mut a = Array::<F>::new(tm);
    let mut b = Array::<F>::new(tn);
    for k in 0..k_len {
        let ka = k * lhs_k;
        let kb = k * rhs_k;
        #[unroll]
        for i in 0..tm {
            a[i] = lhs[a_at[i] + ka];
        }
        #[unroll]
        for j in 0..tn {
            b[j] = rhs[b_at[j] + kb];
        }
        #[unroll]
        for i in 0..tm {
            #[unroll]
            for j in 0..tn {
                acc[i * tn + j] += a[i] * b[j];
            }
        }
    }
    #[unroll]
    for i in 0..tm {
        let row = row0 + threads * i;
        #[unroll]
        for j in 0..tn {
            let col = col0 + threads * j;
            if row < m && col < n {
                out[row * n + col] = acc[i * tn + j];
            }
        }
    }
}

impl DenseOps for Cube {
    fn conv_weight_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let ours = tiled_enabled()
            .then(|| super::conv::weight_grad(x.clone(), grad.clone(), &weight.shape(), &options))
            .flatten();
        ours.unwrap_or_else(|| Self::conv2d_weight_backward(x, weight, grad, options))
    }

    fn dense_adam(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        first: bool,
        s: AdamScalars,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let moments = (!first).then_some((m, v));
        match super::adam::adam_step(param.clone(), grad.clone(), moments.clone(), s) {
            Some([p, m, v]) => (p, m, v),
            None => super::adam_ops::<Self>(param, grad, moments, s),
        }
    }

    fn dense_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        let (ls, rs) = (lhs.shape(), rhs.shape());
        let plain = ls.num_dims() != 2
            || rs.num_dims() != 2
            || ls[1] != rs[0]
            || ls[0] == 0
            || rs[1] == 0
            || ls[1] == 0
            || lhs.dtype != rhs.dtype;
        if plain || !tiled_enabled() {
            return Self::float_matmul(lhs, rhs);
        }
        let (m, n) = (ls[0], rs[1]);
        let (threads, tm, tn) = tiles(m, n);
        let (groups_x, groups_y) = (n.div_ceil(threads * tn), m.div_ceil(threads * tm));
        // WebGPU's limit on workgroups per dimension (the lab's batches stay far below it).
        if groups_x > MAX_GROUPS || groups_y > MAX_GROUPS {
            return Self::float_matmul(lhs, rhs);
        }
        let (lhs, rhs) = (untile(lhs), untile(rhs));
        let dtype = lhs.dtype;
        // Contiguous whatever the runtime prefers (the kernel writes row * n + col).
        let out = empty_device_contiguous_dtype(
            lhs.client.clone(),
            lhs.device.clone(),
            Shape::new([m, n]),
            dtype,
        );
        let count = CubeCount::Static(groups_x as u32, groups_y as u32, 1);
        LAUNCHES.fetch_add(1, Ordering::Relaxed);
        let dim = CubeDim::new_2d(threads as u32, threads as u32);
        // SAFETY: every read index is clamped inside the operands' shapes (rows < m, columns
        // < n, k < the shared dimension, through their own strides), every write is guarded by
        // row < m and col < n of the contiguous output.
        unsafe {
            matmul_tiled_kernel::launch_unchecked(
                &out.client,
                count,
                dim,
                lhs.into_tensor_arg(),
                rhs.into_tensor_arg(),
                out.clone().into_tensor_arg(),
                threads,
                tm,
                tn,
                dtype_to_storage_type(dtype),
            );
        }
        out
    }
}
