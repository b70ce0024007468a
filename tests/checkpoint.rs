//! A run's checkpoint (src/train/run/checkpoint/): k steps, a checkpoint, a fresh run resumed
//! from it and k more steps equal 2k steps straight, to the bit on the CPU (the same operations
//! on the same numbers); with each optimizer, and with the learned parts FitNets and adversarial
//! distillation add, and with `f32` settings whose JSON text does not read back to the same
//! `f64`. A checkpoint that does not fit the run (other settings, data, teacher or teacher
//! network), or is truncated, corrupt or inconsistent, is refused with a reason. And a checkpoint
//! taken on the GPU goes on on the CPU.

mod common;

use std::sync::Arc;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::Dataset;
use distill_lab::method::MethodRef;
use distill_lab::model::{load_host_weights, save_weights, Net, TeacherLogits};
use distill_lab::train::{Optimizer, Run, TrainConfig};

const TEACHER_NET: &str = "www/models/mnist-teacher.safetensors";

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

/// A run of `config` on `device` on `data`, with the teacher network in `net` (a weight file's
/// bytes) when the method needs it.
fn run_with(
    config: &TrainConfig,
    data: Arc<Dataset>,
    teacher: Option<Arc<TeacherLogits>>,
    net: &[u8],
    device: &burn::tensor::Device,
) -> Run {
    let mut run = Run::new(config.clone(), data, teacher, device).unwrap();
    if run.has_teacher() && config.method.needs().teacher_net {
        run.load_teacher_net(TEACHER_NET, net).unwrap();
    }
    run
}

/// A run of `config` on `device`, with its teacher network when the method needs it.
fn run_on(
    config: &TrainConfig,
    teacher: Option<Arc<TeacherLogits>>,
    device: &burn::tensor::Device,
) -> Run {
    let net = std::fs::read(TEACHER_NET).unwrap();
    run_with(config, mnist(), teacher, &net, device)
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
fn settings_whose_text_reads_back_to_another_f64_resume_too() {
    // serde_json (without float_roundtrip) reads the text of these f32s, widened to f64, back
    // to a neighbouring f64, and may do so with a 17-digit f64: the header's settings must still
    // match the run's.
    let mut c = config(Optimizer::Adam, "hinton");
    (c.alpha, c.warmup, c.tau) = (0.97, 0.03, 2.3);
    c.lr = 10f64.powf(-2.5);
    resumes_exactly(c, Some(mnist_teacher()), 5);
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
    // Another teacher: the same logits but one, of an example the run draws from.
    let mut other_teacher = (*mnist_teacher()).clone();
    other_teacher.train[3 * other_teacher.classes + 2] += 0.5;
    let e = refused(&c, Some(Arc::new(other_teacher)), &bytes);
    assert!(e.contains("made with another teacher"), "{e}");

    // Adam's step count beyond the checkpoint's step (its bias correction would overflow).
    let bad = with_header(&bytes, |h| {
        let states = h["states"].as_array_mut().unwrap();
        let i = states.iter().position(|s| !s.is_null()).unwrap();
        states[i] = serde_json::json!(usize::MAX);
    });
    let e = refused(&c, t(), &bad);
    assert!(
        e.contains("Adam's step count of parameter")
            && e.contains("beyond the checkpoint's step 4"),
        "{e}"
    );
    // The same header resealed unchanged is accepted: only the step count was refused.
    let mut fresh = run(&c, t());
    fresh.resume(&with_header(&bytes, |_| {})).unwrap();
    // SGD and Lion keep no step count.
    let sgd = other(|o| o.optimizer = Optimizer::Sgd);
    let mut done_sgd = run(&sgd, t());
    block_on(done_sgd.train_steps(2)).unwrap();
    let sgd_bytes = block_on(done_sgd.checkpoint()).unwrap();
    let bad = with_header(&sgd_bytes, |h| h["states"][0] = serde_json::json!(1));
    let e = refused(&sgd, t(), &bad);
    assert!(e.contains("a step count 1 in the Sgd state"), "{e}");
    // The evaluation interval does not change the training: it may differ.
    let mut fresh = run(&other(|o| o.eval_every = 7), t());
    fresh.resume(&bytes).unwrap();
    assert_eq!(fresh.step(), 4);
}

#[test]
fn a_checkpoint_on_other_images_or_another_teacher_network_is_refused() {
    let c = config(Optimizer::Adam, "fitnets");
    let net = std::fs::read(TEACHER_NET).unwrap();
    let mut done = run(&c, Some(mnist_teacher()));
    block_on(done.train_steps(2)).unwrap();
    let bytes = block_on(done.checkpoint()).unwrap();
    let refused = |data: Arc<Dataset>, net: &[u8]| {
        let mut fresh = run_with(&c, data, Some(mnist_teacher()), net, &cpu_device());
        fresh
            .resume(&bytes)
            .expect_err("refused")
            .message()
            .to_string()
    };

    // Another dataset with the same labels: one pixel of a sampled image (the 3rd sampled).
    let mut data = (*mnist()).clone();
    data.train.images[2 * 97 * 784 + 400] ^= 0x40;
    let e = refused(Arc::new(data), &net);
    assert!(e.contains("made on other training images"), "{e}");

    // Another teacher network of the same architecture: one weight changed.
    let (spec, mut layers, _) = load_host_weights(TEACHER_NET, &net, None).unwrap();
    layers[0].0[7] += 0.25;
    let changed = Net::from_host(&spec, layers, &cpu_device()).unwrap();
    let other = block_on(save_weights(&changed, &spec, &[])).unwrap();
    let e = refused(mnist(), &other);
    assert!(e.contains("made with another teacher network"), "{e}");

    // The same ones are accepted.
    let mut fresh = run_with(&c, mnist(), Some(mnist_teacher()), &net, &cpu_device());
    fresh.resume(&bytes).unwrap();
    assert_eq!(fresh.step(), 2);
}

/// `bytes`, a checkpoint, with its header changed by `change` and sealed again (a new length
/// and checksum, as src/train/run/checkpoint/ computes it): what a checksum cannot refuse.
fn with_header(bytes: &[u8], change: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[16..16 + len]).unwrap();
    change(&mut header);
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&bytes[16 + len..bytes.len() - 8]);
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// The checkpoint's checksum (a copy of src/train/run/checkpoint/'s `checksum`).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[test]
fn a_checkpoint_taken_on_the_gpu_goes_on_on_the_cpu() {
    let Some(device) = common::gpu_or_skip() else {
        return;
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
