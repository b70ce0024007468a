//! Our tiled matmul kernel (src/kernels) on burn-wgpu against burn's CPU matmul: the product and
//! both of its gradients, on odd shapes (edges of the 32×32 tiles, one row, one column, a long
//! inner dimension), with operands given as transposed views too. Without an adapter the test says
//! so and passes (CI installs mesa-vulkan-drivers, so it runs there).

mod common;

use burn::tensor::{Device, Distribution, Tensor};
use distill_lab::backend::{block_on, cpu_device, wgpu_device};
use distill_lab::kernels::{self, set_tiled};
use distill_lab::model::read_f32;

/// The GPU tests switch the kernels' global settings (tile shape): one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Relative tolerance: f32 sums of up to 1024 products in another order.
const TOL: f32 = 2e-5;

fn host(t: Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

fn random(shape: [usize; 2], seed: u64) -> Vec<f32> {
    let cpu = cpu_device();
    cpu.seed(seed);
    host(Tensor::<2>::random(
        shape,
        Distribution::Normal(0.0, 1.0),
        &cpu,
    ))
}

fn on(values: &[f32], shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::<1>::from_floats(values, device).reshape(shape)
}

/// Forward product and gradients of `sum(lhs · rhs ⊙ weights)` on `device`.
fn product_and_grads(
    lhs: &[f32],
    rhs: &[f32],
    weights: &[f32],
    (m, k, n): (usize, usize, usize),
    transposed: bool,
    device: &Device,
) -> [Vec<f32>; 3] {
    let ad = device.clone().autodiff();
    let (l, r) = if transposed {
        // The same values, stored transposed and handed over as transposed views.
        let lt = on(&transpose(lhs, m, k), [k, m], &ad).require_grad();
        let rt = on(&transpose(rhs, k, n), [n, k], &ad).require_grad();
        (lt, rt)
    } else {
        (
            on(lhs, [m, k], &ad).require_grad(),
            on(rhs, [k, n], &ad).require_grad(),
        )
    };
    let (lv, rv) = if transposed {
        (l.clone().transpose(), r.clone().transpose())
    } else {
        (l.clone(), r.clone())
    };
    let out = kernels::matmul(lv, rv);
    let loss = (out.clone() * on(weights, [m, n], &ad)).sum();
    let grads = loss.backward();
    let gl = l.grad(&grads).unwrap();
    let gr = r.grad(&grads).unwrap();
    let (gl, gr) = (host(gl), host(gr));
    let (gl, gr) = if transposed {
        (transpose(&gl, k, m), transpose(&gr, n, k))
    } else {
        (gl, gr)
    };
    [host(out.without_autodiff()), gl, gr]
}

fn transpose(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; v.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = v[r * cols + c];
        }
    }
    t
}

#[test]
fn tiled_matmul_equals_the_cpu_on_odd_shapes_with_gradients() {
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    set_tiled(true);
    let launched = kernels::tiled_launches();
    // Both tile shapes: a GPU's 4×4 outputs per thread and an emulated GPU's 16×16 / 8×16.
    for emulated in [false, true] {
        kernels::set_emulated(emulated);
        compare_on_odd_shapes(&gpu);
    }
    // Our kernel ran (not burn's matmul): 9 shapes × 2 layouts × 3 products × 2 tile shapes.
    assert!(kernels::tiled_launches() - launched >= 108);
}

/// Only the left operand tracked (the data-free generator's images against a frozen teacher),
/// and a right operand that is one row broadcast to k rows (stride 0).
#[test]
fn one_side_tracked_and_a_broadcast_operand() {
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    set_tiled(true);
    let (m, k, n) = (37, 50, 45);
    let lhs = random([m, k], 21);
    let row = random([1, n], 22);
    let weights = random([m, n], 23);
    let run = |device: &Device| {
        let ad = device.clone().autodiff();
        let l = on(&lhs, [m, k], &ad).require_grad();
        let r = on(&row, [1, n], &ad).expand([k, n]);
        let out = kernels::matmul(l.clone(), r);
        let grads = (out.clone() * on(&weights, [m, n], &ad)).sum().backward();
        [host(out.without_autodiff()), host(l.grad(&grads).unwrap())]
    };
    for emulated in [false, true] {
        kernels::set_emulated(emulated);
        let (g, c) = (run(&gpu), run(&cpu_device()));
        common::assert_close("broadcast product", &g[0], &c[0], TOL);
        common::assert_close("d lhs", &g[1], &c[1], TOL);
    }
}

fn compare_on_odd_shapes(gpu: &Device) {
    let shapes = [
        (1, 1, 1),
        (1, 7, 33),
        (7, 33, 1),
        (33, 1, 7),
        (33, 800, 7),
        (64, 784, 128),
        (256, 800, 800),
        (1024, 33, 10),
        (7, 1024, 33),
    ];
    for (s, &(m, k, n)) in shapes.iter().enumerate() {
        let lhs = random([m, k], 3 * s as u64 + 1);
        let rhs = random([k, n], 3 * s as u64 + 2);
        let weights = random([m, n], 3 * s as u64 + 3);
        let cpu = product_and_grads(&lhs, &rhs, &weights, (m, k, n), false, &cpu_device());
        for transposed in [false, true] {
            let got = product_and_grads(&lhs, &rhs, &weights, (m, k, n), transposed, gpu);
            for (name, (g, c)) in ["product", "d lhs", "d rhs"]
                .iter()
                .zip(got.iter().zip(&cpu))
            {
                common::assert_close(
                    &format!("{m}x{k}x{n} transposed={transposed} {name}"),
                    g,
                    c,
                    TOL,
                );
            }
        }
    }
}

#[test]
fn cpu_backend_extension_is_burns_matmul() {
    let cpu = cpu_device();
    let (m, k, n) = (5, 9, 3);
    let lhs = random([m, k], 11);
    let rhs = random([k, n], 12);
    let ours = host(kernels::matmul(
        on(&lhs, [m, k], &cpu),
        on(&rhs, [k, n], &cpu),
    ));
    let burn = host(on(&lhs, [m, k], &cpu).matmul(on(&rhs, [k, n], &cpu)));
    assert_eq!(ours, burn);
}

#[test]
#[ignore]
fn time_tiled_against_burn() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let gpu = wgpu_device().unwrap();
    for &(m, k, n) in &[
        (256, 784, 800),
        (256, 800, 800),
        (800, 256, 800),
        (64, 784, 128),
    ] {
        let l = on(&random([m, k], 1), [m, k], &gpu);
        let r = on(&random([k, n], 2), [k, n], &gpu);
        for tiled in [false, true] {
            set_tiled(tiled);
            host(kernels::matmul(l.clone(), r.clone()));
            let t0 = std::time::Instant::now();
            let mut o = None;
            for _ in 0..5 {
                o = Some(kernels::matmul(l.clone(), r.clone()));
            }
            host(o.unwrap());
            let ms = t0.elapsed().as_secs_f64() * 1000.0 / 5.0;
            println!(
                "{m}x{k}x{n} tiled={tiled}: {ms:.1} ms, {:.2} GFLOP/s",
                2.0 * (m * k * n) as f64 / ms / 1e6
            );
        }
    }
}

/// Adam's fused update on the GPU against the same arithmetic on the host, over three steps
/// (the first without moments), on a parameter that is not a multiple of the workgroup size.
#[test]
fn fused_adam_equals_the_arithmetic() {
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    set_tiled(true);
    let (rows, cols) = (37, 29);
    let (b1, b2, eps, lr) = (0.9f32, 0.999f32, 1e-5f32, 3e-3f32);
    let mut p = random([rows, cols], 31);
    let (mut m, mut v) = (vec![0.0f32; p.len()], vec![0.0f32; p.len()]);
    let mut on_gpu: Option<(Tensor<2>, Tensor<2>, Tensor<2>)> = None;
    let mut value = on(&p, [rows, cols], &gpu);
    for t in 1..=3 {
        let g = random([rows, cols], 40 + t);
        let bc2 = (1.0 - b2.powi(t as i32)).sqrt();
        let s = kernels::AdamScalars {
            beta_1: b1,
            beta_2: b2,
            combined: bc2 / (1.0 - b1.powi(t as i32)),
            epsilon: eps * bc2,
            lr,
        };
        for i in 0..p.len() {
            let (m1, v1) = (g[i] * (1.0 - b1), g[i] * g[i] * (1.0 - b2));
            (m[i], v[i]) = if t == 1 {
                (m1, v1)
            } else {
                (m[i] * b1 + m1, v[i] * b2 + v1)
            };
            p[i] -= m[i] * s.combined / (v[i].sqrt() + s.epsilon) * lr;
        }
        let moments = on_gpu.take().map(|(_, m, v)| (m, v));
        let out = kernels::adam_update(value.clone(), on(&g, [rows, cols], &gpu), moments, s)
            .expect("the fused update runs on a GPU");
        value = out.0.clone();
        on_gpu = Some(out);
    }
    let (gp, gm, gv) = on_gpu.unwrap();
    common::assert_close("param", &host(gp), &p, TOL);
    common::assert_close("m", &host(gm), &m, TOL);
    common::assert_close("v", &host(gv), &v, TOL);
    assert!(kernels::adam_update(value, value_like(&p, rows, cols), None, dummy()).is_some());
    let cpu = on(&p, [rows, cols], &cpu_device());
    assert!(kernels::adam_update(cpu.clone(), cpu, None, dummy()).is_none());
}

fn value_like(p: &[f32], rows: usize, cols: usize) -> Tensor<2> {
    on(p, [rows, cols], &wgpu_device().unwrap())
}

fn dummy() -> kernels::AdamScalars {
    kernels::AdamScalars {
        beta_1: 0.9,
        beta_2: 0.999,
        combined: 1.0,
        epsilon: 1e-5,
        lr: 1e-3,
    }
}
