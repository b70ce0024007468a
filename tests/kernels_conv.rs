//! The convolution through our backend operation (`kernels::conv2d`) against burn's `conv2d` on
//! the CPU: the output and the gradients of the input, the weights and the bias. On burn-wgpu the
//! weight gradient is our kernel (src/kernels/conv.rs: an implicit im2col product split over
//! samples); shapes include the CNN student's two layers at batch 64, odd sizes, more than one
//! chunk of positions, no padding, uneven padding, non-square kernels, a strided input, samples
//! sharing a slice of the partial sums, and operands left untracked.
//! Without an adapter the GPU tests say so and pass (CI installs mesa-vulkan-drivers).

mod common;

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::kernels;
use distill_lab::model::read_f32;

/// The GPU tests switch the kernels' global settings: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Relative tolerance (of the largest magnitude): f32 sums of up to 50,176 products in another
/// order.
const TOL: f32 = 1e-4;

/// One convolution: batch, channels in, height, width, channels out, kernel, padding
/// `(begin, end)` per axis.
#[derive(Debug, Clone, Copy)]
struct Case {
    batch: usize,
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    k: [usize; 2],
    pad: [(usize, usize); 2],
}

const fn case(b: usize, c: usize, h: usize, w: usize, o: usize, k: usize, p: usize) -> Case {
    Case {
        batch: b,
        c,
        h,
        w,
        o,
        k: [k, k],
        pad: [(p, p), (p, p)],
    }
}

const CASES: [Case; 7] = [
    // The CNN student (cnn:8,16,64) at batch 64: its two convolutions.
    case(64, 1, 28, 28, 8, 3, 1),
    case(64, 8, 14, 14, 16, 3, 1),
    // Odd sizes, a 5×5 kernel, no padding with 324 positions (two chunks of 162), one sample.
    case(3, 5, 7, 9, 6, 3, 1),
    case(2, 3, 5, 33, 7, 5, 2),
    case(5, 3, 20, 20, 9, 3, 0),
    case(1, 1, 1, 1, 1, 1, 0),
    // A 3×1 kernel with uneven padding.
    Case {
        batch: 2,
        c: 2,
        h: 11,
        w: 6,
        o: 5,
        k: [3, 1],
        pad: [(2, 0), (0, 1)],
    },
];

/// Edges: a 2×5 kernel, the widest compiled (7), an input smaller than the kernel, padding
/// beyond the kernel (whole rows of padding), and a layer of the teacher's width (64 × 288
/// weights, 18,432 per slice) whose 64 samples share slices of the partial sums.
const MORE: [Case; 5] = [
    Case {
        batch: 3,
        c: 2,
        h: 9,
        w: 12,
        o: 5,
        k: [2, 5],
        pad: [(1, 0), (2, 2)],
    },
    case(2, 3, 10, 11, 6, 7, 3),
    case(3, 2, 2, 1, 4, 3, 1),
    case(2, 2, 4, 5, 3, 3, 4),
    case(64, 32, 14, 14, 64, 3, 1),
];

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

fn random(n: usize, seed: u64) -> Vec<f32> {
    let cpu = cpu_device();
    cpu.seed(seed);
    host(Tensor::<1>::random(
        [n],
        Distribution::Normal(0.0, 1.0),
        &cpu,
    ))
}

fn on<const D: usize>(values: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::<1>::from_floats(values, device).reshape(shape)
}

/// Which of the input, the weights and the bias require a gradient.
const ALL: [bool; 3] = [true, true, true];

/// Output and gradients (input, weights, bias; empty where not tracked) of
/// `sum(conv(x, w) + b ⊙ r)` on `device`, through ours or burn's. `strided`: the input is handed
/// over as a permuted view of `[h, w, b, c]` data.
fn conv_and_grads(
    case: Case,
    ours: bool,
    strided: bool,
    track: [bool; 3],
    device: &Device,
) -> [Vec<f32>; 4] {
    let Case {
        batch,
        c,
        h,
        w,
        o,
        k,
        pad,
    } = case;
    let ad = device.clone().autodiff();
    let seed = (batch * 31 + c * 7 + h + w * 3 + o) as u64;
    let xv = random(batch * c * h * w, seed);
    let leaf = if strided {
        on(&xv, [h, w, batch, c], &ad)
    } else {
        on(&xv, [batch, c, h, w], &ad)
    }
    .set_require_grad(track[0]);
    let x = if strided {
        leaf.clone().permute([2, 3, 0, 1])
    } else {
        leaf.clone()
    };
    let wv = random(o * c * k[0] * k[1], seed + 1);
    let wt = on(&wv, [o, c, k[0], k[1]], &ad).set_require_grad(track[1]);
    let bias = on(&random(o, seed + 2), [o], &ad).set_require_grad(track[2]);
    let opts = ConvOptions {
        stride: [1, 1],
        padding: pad,
        dilation: [1, 1],
        groups: 1,
    };
    let out = if ours {
        kernels::conv2d(x, wt.clone(), bias.clone(), opts)
    } else {
        conv2d(x, wt.clone(), Some(bias.clone()), opts)
    };
    let dims = out.dims();
    let r = on(&random(dims.iter().product(), seed + 3), dims, &ad);
    let grads = (out.clone() * r).sum().backward();
    let grad = |t: Option<Vec<f32>>| t.unwrap_or_default();
    [
        host(out),
        grad(leaf.grad(&grads).map(host)),
        grad(wt.grad(&grads).map(host)),
        grad(bias.grad(&grads).map(host)),
    ]
}

/// Ours on `gpu` against burn's on the CPU; `launches`: how often our kernel should run.
fn compare(case: Case, strided: bool, track: [bool; 3], gpu: &Device, launches: usize) {
    let reference = conv_and_grads(case, false, strided, track, &cpu_device());
    let before = kernels::conv_launches();
    let ours = conv_and_grads(case, true, strided, track, gpu);
    assert_eq!(
        kernels::conv_launches(),
        before + launches,
        "{case:?} {track:?}: launches of the weight-gradient kernel"
    );
    for (i, what) in [
        "output",
        "input gradient",
        "weight gradient",
        "bias gradient",
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            assert_eq!(
                ours[i].is_empty(),
                !track[i - 1],
                "{case:?}: {what} present"
            );
        }
        common::assert_close(
            &format!("{case:?} strided {strided}: {what}"),
            &ours[i],
            &reference[i],
            TOL,
        );
    }
}

#[test]
fn conv_weight_gradient_kernel_equals_burns_cpu() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    let emulated = kernels::cpu_adapter();
    let result = std::panic::catch_unwind(|| {
        // Both thread shapes: a GPU's (4 output channels, chunks of ≤ 64 positions) and an
        // emulated GPU's (8, ≤ 256).
        for shape in [false, true] {
            kernels::set_emulated(shape);
            for case in CASES.into_iter().chain(MORE) {
                compare(case, false, ALL, &gpu, 1);
            }
            compare(CASES[2], true, ALL, &gpu, 1);
            compare(CASES[6], true, ALL, &gpu, 1);
            // Only some operands tracked: a first layer's input, a frozen filter, the bias alone.
            compare(CASES[2], false, [false, true, true], &gpu, 1);
            compare(CASES[2], false, [true, false, true], &gpu, 0);
            compare(CASES[2], false, [false, false, true], &gpu, 0);
            compare(CASES[6], true, [true, true, false], &gpu, 1);
        }
    });
    kernels::set_emulated(emulated);
    result.unwrap();
    // A kernel 8 wide has no shader of ours: burn's weight gradient.
    let wide = Case {
        k: [1, 8],
        pad: [(0, 0), (4, 3)],
        ..CASES[2]
    };
    compare(wide, false, ALL, &gpu, 0);
}

#[test]
fn with_our_kernels_off_the_gpu_keeps_burns_weight_gradient() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    kernels::set_tiled(false);
    let result = std::panic::catch_unwind(|| compare(CASES[2], false, ALL, &gpu, 0));
    kernels::set_tiled(true);
    result.unwrap();
}

#[test]
fn on_the_cpu_the_operation_is_burns_conv2d_to_the_bit() {
    for case in [CASES[2], CASES[6]] {
        let ours = conv_and_grads(case, true, false, ALL, &cpu_device());
        let burns = conv_and_grads(case, false, false, ALL, &cpu_device());
        assert_eq!(ours, burns, "{case:?}");
    }
}

/// `cargo test --test kernels_conv time_ -- --ignored --nocapture`: a forward convolution and
/// its weight gradient, ours against burn's, on the CNN student's two layers.
#[test]
#[ignore]
fn time_weight_gradient_against_burn() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    let ad = gpu.clone().autodiff();
    for case in [CASES[0], CASES[1]] {
        let Case {
            batch,
            c,
            h,
            w,
            o,
            k,
            pad,
        } = case;
        let x = on(&random(batch * c * h * w, 1), [batch, c, h, w], &ad);
        let wt = on(&random(o * c * k[0] * k[1], 2), [o, c, k[0], k[1]], &ad).require_grad();
        let bias = on(&random(o, 3), [o], &ad);
        let opts = ConvOptions {
            stride: [1, 1],
            padding: pad,
            dilation: [1, 1],
            groups: 1,
        };
        for ours in [false, true] {
            kernels::set_tiled(ours);
            let step = || {
                let out = kernels::conv2d(x.clone(), wt.clone(), bias.clone(), opts.clone());
                wt.grad(&out.sum().backward()).unwrap()
            };
            host(step());
            let t0 = std::time::Instant::now();
            let mut g = None;
            for _ in 0..5 {
                g = Some(step());
            }
            host(g.unwrap());
            let ms = t0.elapsed().as_secs_f64() * 1000.0 / 5.0;
            println!("{case:?} ours={ours}: {ms:.1} ms (forward + weight gradient)");
        }
        kernels::set_tiled(true);
    }
}
