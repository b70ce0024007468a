//! A run's checkpoint (src/train/run/checkpoint.rs): k steps, a checkpoint, a fresh run resumed
//! from it and k more steps equal 2k steps straight, to the bit on the CPU (the same operations
//! on the same numbers); with each optimizer, and with the learned parts FitNets and adversarial
//! distillation add. A checkpoint that does not fit the run, or is truncated or corrupt, is
//! refused with a reason. And a checkpoint taken on the GPU goes on on the CPU.

mod common;

use std::sync::Arc;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device, wgpu_device};
use distill_lab::method::MethodRef;
use distill_lab::model::{load_weights, TeacherLogits};
use distill_lab::train::{Optimizer, Run, TrainConfig};

/// 10 steps per epoch, 3 epochs.
fn config(optimizer: Optimizer, method: &str) -> TrainConfig {
    TrainConfig {
        student: "mlp:32".into(),
        train_limit: 640,
        batch_size: 64,
        epochs: 3,
        lr: 3e-3,
        optimizer,
        method: MethodRef::parse(method).unwrap(),
        jitter: 1, // the augmentation stream is part of the checkpoint too
        ..TrainConfig::default()
    }
}

/// A run of `config` on `device`, with its teacher network when the method needs it.
fn run_on(
    config: &TrainConfig,
    teacher: Option<Arc<TeacherLogits>>,
    device: &burn::tensor::Device,
) -> Run {
    let mut run = Run::new(config.clone(), mnist(), teacher, device).unwrap();
    if run.has_teacher() && config.method.needs().teacher_net {
        let path = "www/models/mnist-teacher.safetensors";
        let (spec, net, _) =
            load_weights(path, &std::fs::read(path).unwrap(), None, run.device()).unwrap();
        run.set_teacher_net(spec, net).unwrap();
    }
    run
}

fn run(config: &TrainConfig, teacher: Option<Arc<TeacherLogits>>) -> Run {
    run_on(config, teacher, &cpu_device())
}

/// The step, the weights (per layer), the batches' fingerprint and the test accuracy.
type Observed = (usize, Vec<(Vec<f32>, Vec<f32>)>, String, f64);

/// Everything observable of a run but its losses (the caller's).
fn state(run: &Run) -> Observed {
    (
        run.step(),
        block_on(run.model().to_host()).unwrap(),
        run.batch_fingerprint().hex(),
        block_on(run.evaluate()).unwrap().test_accuracy,
    )
}

/// 2k steps straight against k, checkpoint, a fresh run resumed, k more: bitwise equal.
fn resumes_exactly(config: TrainConfig, teacher: Option<Arc<TeacherLogits>>, k: usize) {
    let what = format!("{:?} {}", config.optimizer, config.method);
    let mut straight = run(&config, teacher.clone());
    let all = block_on(straight.train_steps(2 * k)).unwrap().losses;

    let mut first = run(&config, teacher.clone());
    let mut losses = block_on(first.train_steps(k)).unwrap().losses;
    let bytes = block_on(first.checkpoint()).unwrap();
    drop(first);
    let mut second = run(&config, teacher);
    second.resume(&bytes).unwrap();
    assert_eq!(second.step(), k, "{what}");
    let report = block_on(second.train_steps(k)).unwrap();
    losses.extend(report.losses);
    assert_eq!(report.step, 2 * k, "{what}");

    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&losses), bits(&all), "{what}: the losses");
    assert_eq!(
        state(&second),
        state(&straight),
        "{what}: weights, batches, accuracy"
    );
    eprintln!("{what}: {} bytes after {k} steps", bytes.len());
}

#[test]
fn a_resumed_run_goes_on_exactly_as_one_never_stopped() {
    // 7 + 7 steps cross the first epoch's end (a reshuffle).
    for optimizer in [Optimizer::Adam, Optimizer::Sgd, Optimizer::Lion] {
        resumes_exactly(config(optimizer, "hinton"), Some(mnist_teacher()), 7);
    }
    // The hard-label twin of a race (no teacher).
    resumes_exactly(config(Optimizer::Adam, "hinton"), None, 7);
}

#[test]
fn the_learned_parts_of_fitnets_and_adversarial_distillation_resume_too() {
    resumes_exactly(config(Optimizer::Adam, "fitnets"), Some(mnist_teacher()), 6);
    resumes_exactly(
        config(Optimizer::Adam, "adversarial"),
        Some(mnist_teacher()),
        6,
    );
}

#[test]
fn a_checkpoint_that_does_not_fit_or_is_damaged_is_refused_and_the_run_kept() {
    let c = config(Optimizer::Adam, "hinton");
    let mut done = run(&c, Some(mnist_teacher()));
    block_on(done.train_steps(4)).unwrap();
    let bytes = block_on(done.checkpoint()).unwrap();

    let refused = |config: &TrainConfig, teacher: Option<Arc<TeacherLogits>>, bytes: &[u8]| {
        let mut fresh = run(config, teacher);
        let before = state(&fresh);
        let e = fresh.resume(bytes).expect_err("refused");
        assert_eq!(state(&fresh), before, "the run is unchanged");
        e.message().to_string()
    };
    let t = || Some(mnist_teacher());
    let e = refused(&c, t(), &bytes[..bytes.len() / 2]);
    assert!(e.contains("checksum") || e.contains("truncated"), "{e}");
    let e = refused(&c, t(), &bytes[..20]);
    assert!(e.contains("not a distill-lab checkpoint"), "{e}");
    let e = refused(&c, t(), b"");
    assert!(e.contains("not a distill-lab checkpoint"), "{e}");
    let mut flipped = bytes.clone();
    let at = flipped.len() - 100;
    flipped[at] ^= 0x10;
    let e = refused(&c, t(), &flipped);
    assert!(e.contains("checksum does not match"), "{e}");
    let mut version = bytes.clone();
    version[8] = 9;
    let e = refused(&c, t(), &version);
    assert!(e.contains("format version 9"), "{e}");

    let other = |f: fn(&mut TrainConfig)| {
        let mut o = c.clone();
        f(&mut o);
        o
    };
    let e = refused(&other(|o| o.seed = 2), t(), &bytes);
    assert!(e.contains("made with seed = 1, this run has 2"), "{e}");
    let e = refused(&other(|o| o.student = "mlp:16".into()), t(), &bytes);
    assert!(e.contains("student"), "{e}");
    let e = refused(&other(|o| o.epochs = 4), t(), &bytes);
    assert!(e.contains("epochs"), "{e}");
    let e = refused(&other(|o| o.optimizer = Optimizer::Lion), t(), &bytes);
    assert!(e.contains("optimizer"), "{e}");
    let e = refused(&c, None, &bytes);
    assert!(e.contains("teachers 1, this run has 0"), "{e}");
    // The evaluation interval does not change the training: it may differ.
    let mut fresh = run(&other(|o| o.eval_every = 7), t());
    fresh.resume(&bytes).unwrap();
    assert_eq!(fresh.step(), 4);
}

#[test]
fn a_checkpoint_taken_on_the_gpu_goes_on_on_the_cpu() {
    let device = match wgpu_device() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    let c = config(Optimizer::Adam, "hinton");
    let mut cpu = run(&c, Some(mnist_teacher()));
    let want = block_on(cpu.train_steps(10)).unwrap().losses;
    let mut gpu = run_on(&c, Some(mnist_teacher()), &device);
    let mut got = block_on(gpu.train_steps(5)).unwrap().losses;
    let bytes = block_on(gpu.checkpoint()).unwrap();
    let mut resumed = run(&c, Some(mnist_teacher()));
    resumed.resume(&bytes).unwrap();
    got.extend(block_on(resumed.train_steps(5)).unwrap().losses);
    assert_eq!(resumed.batch_fingerprint(), cpu.batch_fingerprint());
    // The GPU's sums in another order: tests/wgpu.rs's tolerance.
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!(
            (a - b).abs() < 1e-3 * b.abs().max(1.0),
            "step {}: gpu then cpu {a} vs cpu {b}",
            i + 1
        );
    }
    let (g, c) = (
        block_on(resumed.evaluate()).unwrap().test_accuracy,
        block_on(cpu.evaluate()).unwrap().test_accuracy,
    );
    assert!((g - c).abs() < 0.01, "accuracy {g} vs {c}");
}
