//! The convolutions' weight gradient on a GPU, as an implicit im2col product split over samples.
//!
//! burn (autotune off) frames a convolution's weight gradient as a direct convolution whose
//! outputs are the weights: the CNN student's 72 and 1,152 weights became 2 and 5 workgroups,
//! each invocation summing over the whole batch (`results/bench/kernels-cnn-b64.json`). As a
//! product, `∂w[o, (c, ky, kx)] = Σ_(b, p) g[b, o, p] · cols[(b, p), (c, ky, kx)]`, its output is
//! tiny and its inner dimension (batch × positions) long, so a plain tiled product would get one
//! workgroup too. Here the inner dimension is split: each invocation sums one sample's chunk of
//! output rows for a few output channels and the `kw` columns `(c, ky, 0..kw)`, reading the input
//! where im2col would have copied it (the columns are never stored), into a partial sum
//! `[S, O, C·kh·kw]`; one reduction over `S` follows. Per output position it loads `kw` input
//! values and one gradient value per channel for `channels × kw` multiply-adds. The shape
//! depends on the adapter: a GPU gets chunks of at most 64 positions and 4 channels per
//! invocation (for the CNN student at batch 64: 5,376 and 24,576 invocations where burn's kernel
//! had 18 and 288), an emulated one at most 256 positions and 8 channels (768 and 3,072).
//!
//! Only stride 1, dilation 1 and one group (the lab's convolutions) take this path; any other
//! convolution keeps burn's weight gradient.

use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Cube, DType, TensorMetadata};
use burn::tensor::ops::ConvOptions;
use burn::tensor::Shape;
use burn_cubecl::kernel::untile;
use burn_cubecl::ops::numeric::empty_device_contiguous_dtype;
use cubecl::{calculate_cube_count_elemwise, prelude::*};

use std::sync::atomic::{AtomicUsize, Ordering};

use super::cpu_adapter;

/// The widest kernel this path compiles a shader for.
const MAX_KW: usize = 7;
/// The most partial sums (4 MB of f32) before samples share a slice of them.
const MAX_PARTIAL: usize = 1 << 20;

/// Launches of the weight-gradient kernel so far (the tests check that it ran).
static LAUNCHES: AtomicUsize = AtomicUsize::new(0);

/// How many times the convolution weight-gradient kernel has been launched in this process.
pub fn conv_launches() -> usize {
    LAUNCHES.load(Ordering::Relaxed)
}

#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn conv_wgrad_kernel(
    x: &Tensor<f32>,
    g: &Tensor<f32>,
    out: &mut Tensor<f32>,
    kh: u32,
    pad_y: u32,
    pad_x: u32,
    rows: u32,
    chunks: u32,
    per: u32,
    #[comptime] kw: usize,
    #[comptime] to: usize,
) {
    let (c_len, h, w) = (x.shape(1), x.shape(2), x.shape(3));
    let (o_len, ho, wo) = (g.shape(1), g.shape(2), g.shape(3));
    let (kh, pad_y, pad_x) = (kh as usize, pad_y as usize, pad_x as usize);
    let (rows, chunks, per) = (rows as usize, chunks as usize, per as usize);
    let lines = c_len * kh;
    let blocks = o_len.div_ceil(to);
    let i = ABSOLUTE_POS;
    if i >= out.shape(0) * blocks * lines {
        terminate!();
    }
    // This invocation: input channel c and kernel row ky (the columns (c, ky, 0..kw) of the
    // im2col matrix), output channels block·to.., and slice s: samples group·per.. (at most
    // `per`), output rows part·rows.. (at most `rows`).
    let line = i % lines;
    let block = (i / lines) % blocks;
    let s = i / (lines * blocks);
    let (group, part) = (s / chunks, s % chunks);
    let (c, ky) = (line / kh, line % kh);
    let (sy, sx) = (x.stride(2), x.stride(3));
    let (gy, gx) = (g.stride(2), g.stride(3));
    let mut g_at = Array::<usize>::new(to);
    #[unroll]
    for t in 0..to {
        g_at[t] = min(block * to + t, o_len - 1) * g.stride(1);
    }
    let mut acc = Array::<f32>::new(to * kw);
    #[unroll]
    for j in 0..to * kw {
        acc[j] = 0.0;
    }
    let mut v = Array::<f32>::new(kw);
    let y0 = part * rows;
    let y1 = min(y0 + rows, ho);
    let b0 = group * per;
    let b1 = min(b0 + per, x.shape(0));
    for b in b0..b1 {
        let x_at = b * x.stride(0) + c * x.stride(1);
        let g_b = b * g.stride(0);
        for oy in y0..y1 {
            // Coordinates plus the padding (unsigned): inside when pad ≤ · < size + pad;
            // outside reads a clamped valid element and selects 0.
            let iy = oy + ky;
            let row_inside = iy >= pad_y && iy < h + pad_y;
            let x_row = x_at + (min(max(iy, pad_y), h + pad_y - 1) - pad_y) * sy;
            for ox in 0..wo {
                #[unroll]
                for kx in 0..kw {
                    let ix = ox + kx;
                    let inside = row_inside && ix >= pad_x && ix < w + pad_x;
                    let xx = min(max(ix, pad_x), w + pad_x - 1) - pad_x;
                    v[kx] = select(inside, x[x_row + xx * sx], 0.0);
                }
                let go = g_b + oy * gy + ox * gx;
                #[unroll]
                for t in 0..to {
                    let gv = g[g_at[t] + go];
                    #[unroll]
                    for kx in 0..kw {
                        acc[t * kw + kx] += gv * v[kx];
                    }
                }
            }
        }
    }
    let q0 = line * kw;
    let q_len = lines * kw;
    #[unroll]
    for t in 0..to {
        let o = block * to + t;
        if o < o_len {
            #[unroll]
            for kx in 0..kw {
                out[(s * o_len + o) * q_len + q0 + kx] = acc[t * kw + kx];
            }
        }
    }
}

/// `∂w` for `x [B, C, H, W]` and the output's gradient `g [B, O, Ho, Wo]` of a convolution with
/// weights of shape `weight`, or `None` where this kernel does not apply (the caller then uses
/// burn's).
pub(super) fn weight_grad(
    x: FloatTensor<Cube>,
    g: FloatTensor<Cube>,
    weight: &Shape,
    options: &ConvOptions<2>,
) -> Option<FloatTensor<Cube>> {
    let (xs, gs) = (x.shape(), g.shape());
    let four = xs.num_dims() == 4 && gs.num_dims() == 4 && weight.num_dims() == 4;
    if !four {
        return None;
    }
    let plain = options.stride == [1, 1]
        && options.dilation == [1, 1]
        && options.groups == 1
        && x.dtype == DType::F32
        && g.dtype == DType::F32
        && xs[0] == gs[0]
        && xs[1] == weight[1]
        && gs[1] == weight[0]
        && gs[2] + weight[2] == xs[2] + options.padding[0].0 + options.padding[0].1 + 1
        && gs[3] + weight[3] == xs[3] + options.padding[1].0 + options.padding[1].1 + 1;
    let (batch, o_len, positions) = (gs[0], gs[1], gs[2] * gs[3]);
    let q_len = weight[1] * weight[2] * weight[3];
    let empty = [batch, o_len, positions, q_len, xs[2], xs[3]].contains(&0);
    let (kh, kw) = (weight[2], weight[3]);
    // Kernel widths are compiled in (one shader each): the lab's are 3; wider ones keep burn's.
    if !plain || empty || kw > MAX_KW {
        return None;
    }
    let (positions_per_chunk, to) = if cpu_adapter() { (256, 8) } else { (64, 4) };
    let rows = (positions_per_chunk / gs[3]).max(1);
    // The partial sums stay under MAX_PARTIAL values (unless one slice is already larger):
    // where the batch is large, samples share a slice, and then fewer chunks of rows.
    let slice = o_len * q_len;
    let slices = (MAX_PARTIAL / slice).max(1);
    let chunks = gs[2].div_ceil(rows).min(slices);
    let rows = gs[2].div_ceil(chunks);
    let per = batch.div_ceil((slices / chunks).clamp(1, batch));
    let s_len = batch.div_ceil(per) * chunks;
    let invocations = s_len * o_len.div_ceil(to) * weight[1] * kh;
    // Indices are 32-bit in the kernel.
    let u = |v: usize| u32::try_from(v).ok();
    u(s_len * slice)?;
    let args = (
        u(kh)?,
        u(options.padding[0].0)?,
        u(options.padding[1].0)?,
        u(rows)?,
        u(chunks)?,
        u(per)?,
    );
    let partial = empty_device_contiguous_dtype(
        x.client.clone(),
        x.device.clone(),
        Shape::new([s_len, o_len, q_len]),
        DType::F32,
    );
    let client = x.client.clone();
    let dim = CubeDim::new(&client, invocations);
    let count = calculate_cube_count_elemwise(&client, invocations, dim);
    LAUNCHES.fetch_add(1, Ordering::Relaxed);
    // SAFETY: one invocation per (slice, block of output channels, input channel and kernel
    // row), guarded by the count; samples stay below the batch and rows below Ho; reads are
    // clamped inside x's and g's shapes through their strides (padding reads a clamped valid
    // element and selects 0, and H, W > 0); writes are guarded by o < O, and the columns
    // written, (c·kh + ky)·kw + kx, are below C·kh·kw; every index fits in 32 bits (checked).
    unsafe {
        conv_wgrad_kernel::launch_unchecked(
            &client,
            count,
            dim,
            untile(x).into_tensor_arg(),
            untile(g).into_tensor_arg(),
            partial.clone().into_tensor_arg(),
            args.0,
            args.1,
            args.2,
            args.3,
            args.4,
            args.5,
            kw,
            to,
        );
    }
    let sum = Cube::float_sum_dim(partial, 0);
    Some(Cube::float_reshape(sum, weight.clone()))
}
