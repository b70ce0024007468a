//! The GPU's kernels against the CPU's, method by method: the first steps of every distillation
//! method on burn-wgpu (Mesa's lavapipe on CI) and on burn's CPU backend, from the same seed, give
//! the same losses within a stated f32 tolerance, and the trained students the same predictions on
//! a fixed batch of test images. A kernel that silently writes zeros or stale data (as a shader
//! that fails validation can) fails here. Without an adapter the test says so and passes (CI
//! installs mesa-vulkan-drivers so that it runs there).

mod common;

use std::sync::Arc;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device, wgpu_device};
use distill_lab::data::PIXELS;
use distill_lab::method::{MethodRef, REGISTRY};
use distill_lab::model::{argmax, load_logits, TeacherLogits};
use distill_lab::train::{
    self_check, Run, SelfCheck, TrainConfig, SELF_CHECK_STUDENTS, SELF_CHECK_TOLERANCE,
};
use distill_lab::Result;
/// The registered method `key`.
fn m(key: &str) -> MethodRef {
    MethodRef::parse(key).unwrap()
}

/// Steps compared per method.
const STEPS: usize = 5;
/// Relative tolerance of a loss: f32 kernels that sum in another order, through five Adam steps.
/// Measured on lavapipe: ≤ 4e-7 for every method but data-free (7e-5, its generator and batch
/// statistics), so 5e-4 leaves room without letting a wrong kernel through.
const LOSS_TOL: f32 = 5e-4;
/// Test images whose predictions are compared after the steps.
const FIXED_BATCH: usize = 500;
/// A prediction may differ only where the two top logits are this close on the CPU.
const TIE: f32 = 1e-2;

fn mlp_teacher() -> Arc<TeacherLogits> {
    let path = "www/models/mnist-mlp-teacher.logits.safetensors";
    Arc::new(load_logits(path, &std::fs::read(path).unwrap()).unwrap())
}

/// The student each method takes (the conv methods need CNN students; FSP the teacher's channels).
fn config(method: MethodRef) -> TrainConfig {
    let student = match method.key() {
        "attention" => "cnn:8,16,32",
        "fsp" => "cnn:32,64,32",
        _ => "mlp:64",
    };
    TrainConfig {
        method,
        student: student.into(),
        train_limit: 640,
        batch_size: 64,
        lr: 2e-3,
        seed: 3,
        ..TrainConfig::default()
    }
}

/// The losses of the first [`STEPS`] steps and the logits of the fixed batch afterwards.
fn steps_on(method: MethodRef, device: &burn::tensor::Device) -> Result<(Vec<f32>, Vec<f32>)> {
    let teachers = if method.needs().teachers > 1 {
        vec![mnist_teacher(), mlp_teacher()]
    } else {
        vec![mnist_teacher()]
    };
    let data = mnist();
    let mut run = Run::with_teachers(config(method), data.clone(), teachers, device)?;
    if method.needs().teacher_net {
        let path = "www/models/mnist-teacher.safetensors";
        run.load_teacher_net(path, &std::fs::read(path).unwrap())?;
    }
    let report = block_on(run.train_steps(STEPS))?;
    let logits = block_on(run.predict_images(&data.test.images[..FIXED_BATCH * PIXELS]))?;
    Ok((report.losses, logits))
}

#[test]
fn every_method_gives_the_same_first_steps_on_the_gpu_and_the_cpu() {
    let Some(gpu) = common::gpu_or_skip() else {
        return;
    };
    let mut failures = Vec::new();
    for method in REGISTRY.iter().map(|x| m(x.info().key)) {
        let (g, gl) = steps_on(method, &gpu).unwrap();
        let (c, cl) = steps_on(method, &cpu_device()).unwrap();
        assert_eq!((g.len(), c.len()), (STEPS, STEPS), "{}", method.key());
        let worst = g
            .iter()
            .zip(&c)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .fold(0.0f32, f32::max);
        // Predictions: the same class wherever the CPU's top two logits are not (nearly) tied.
        let mut differ = 0;
        for (rg, rc) in gl.chunks_exact(10).zip(cl.chunks_exact(10)) {
            let (ag, ac) = (argmax(rg), argmax(rc));
            if ag != ac && (rc[ac] - rc[ag]).abs() > TIE {
                differ += 1;
            }
        }
        eprintln!(
            "{:<18} worst relative loss difference {worst:.2e}, predictions differing {differ}/{FIXED_BATCH}",
            method.key()
        );
        if worst > LOSS_TOL || differ > 0 || gl.iter().all(|&v| v == 0.0) {
            failures.push(format!(
                "{}: gpu {g:?} vs cpu {c:?}; {differ} predictions differ",
                method.key()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The page checks a WebGPU device against `www/models/self-check.json` before training on it:
/// that file must be what the CPU computes now, a device that writes zeros (in the MLP's or the
/// CNN's step) or skips the optimizer step must fail the check, and a working GPU (lavapipe here) must pass it.
#[test]
fn the_shipped_self_check_is_the_cpus_and_catches_zeros_and_skipped_steps() {
    let path = "www/models/self-check.json";
    let reference: SelfCheck = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let cpu = block_on(self_check(&cpu_device())).unwrap();
    let drift = cpu.difference(&reference).unwrap();
    assert!(
        drift < 1e-5,
        "{path} is stale ({drift:e}): distill-lab self-check --out {path}"
    );
    // Zeros in either network's logits (the CNN's: its convolution kernels), a skipped
    // optimizer step, a NaN, a gradient of the wrong size, a missing network: each fails.
    for (i, net) in cpu.steps.iter().enumerate() {
        let mut zeros = cpu.clone();
        zeros.steps[i].logits = vec![0.0; net.logits.len()];
        assert!(zeros.difference(&reference).unwrap() > SELF_CHECK_TOLERANCE);
        let mut skipped = cpu.clone();
        skipped.steps[i].loss_after = net.loss_before;
        assert!(skipped.difference(&reference).unwrap() > SELF_CHECK_TOLERANCE);
        let mut nan = cpu.clone();
        nan.steps[i].loss_before = f32::NAN;
        assert!(nan.difference(&reference).is_err());
        // A weight gradient twice its size (Adam's step would hide it from the logits).
        let mut scaled = cpu.clone();
        scaled.steps[i].grad_norms[0] *= 2.0;
        assert!(scaled.difference(&reference).unwrap() > SELF_CHECK_TOLERANCE);
    }
    assert_eq!(
        cpu.steps
            .iter()
            .map(|s| s.student.as_str())
            .collect::<Vec<_>>(),
        SELF_CHECK_STUDENTS
    );
    let mut missing = cpu.clone();
    missing.steps.pop();
    assert!(missing.difference(&reference).is_err());
    match wgpu_device() {
        Ok(gpu) => {
            let worst = block_on(self_check(&gpu))
                .unwrap()
                .difference(&reference)
                .unwrap();
            eprintln!("wgpu self-check: {worst:.2e}");
            assert!(worst <= SELF_CHECK_TOLERANCE, "{worst}");
        }
        Err(e) => eprintln!("SKIPPED the GPU half: {e}"),
    }
}
