//! Every distillation method trains a student on MNIST: from chance to a stated accuracy within a
//! small budget (2 epochs on 10,000 examples, a 784-64-10 student, the CPU).

mod common;

use std::sync::Arc;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::distill::Ramp;
use distill_lab::method::MethodRef;
use distill_lab::model::{load_logits, load_weights, TeacherLogits};
use distill_lab::train::{Optimizer, Run, Schedule, TrainConfig};
/// The registered method `key`.
fn m(key: &str) -> MethodRef {
    MethodRef::parse(key).unwrap()
}

fn mlp_teacher() -> Arc<TeacherLogits> {
    let path = "www/models/mnist-mlp-teacher.logits.safetensors";
    Arc::new(load_logits(path, &std::fs::read(path).unwrap()).unwrap())
}

/// Test accuracy before and after training `config` from `teachers` (student mlp:64, learning
/// rate 2e-3 and 10,000 examples unless `config` says otherwise).
fn train(config: TrainConfig, teachers: Vec<Arc<TeacherLogits>>) -> (f64, f64) {
    let student = match config.student.as_str() {
        s if s == TrainConfig::default().student => "mlp:64".to_string(),
        s => s.to_string(),
    };
    let lr = match config.lr {
        lr if lr == TrainConfig::default().lr => 2e-3,
        lr => lr,
    };
    let train_limit = match config.train_limit {
        0 => 10_000,
        n => n,
    };
    let config = TrainConfig {
        student,
        epochs: 2,
        train_limit,
        batch_size: 64,
        lr,
        eval_every: 0,
        seed: 2,
        ..config
    };
    let mut run = Run::with_teachers(config, mnist(), teachers, &cpu_device()).unwrap();
    if run.config().method.needs().teacher_net {
        let path = "www/models/mnist-teacher.safetensors";
        let (spec, net, _) =
            load_weights(path, &std::fs::read(path).unwrap(), None, run.device()).unwrap();
        run.set_teacher_net(spec, net).unwrap();
    }
    let before = block_on(run.evaluate()).unwrap().test_accuracy;
    let report = block_on(run.train_steps(run.total_steps())).unwrap();
    assert!(report.nan_paused.is_none(), "{:?}", report.nan_paused);
    assert!(report.losses.iter().all(|l| l.is_finite()));
    (before, block_on(run.evaluate()).unwrap().test_accuracy)
}

fn check(name: &str, config: TrainConfig, teachers: Vec<Arc<TeacherLogits>>, bound: f64) {
    let (before, after) = train(config, teachers);
    assert!(
        before < 0.3,
        "{name}: the untrained student is already at {before}"
    );
    eprintln!("{name}: {before:.4} → {after:.4}");
    assert!(after >= bound, "{name}: {after} < {bound} (from {before})");
}

#[test]
fn hinton_with_schedules_and_entropy_matched_tau_trains() {
    let t = vec![mnist_teacher()];
    check("hinton", TrainConfig::default(), t.clone(), 0.88);
    let cosine = TrainConfig {
        ramp: Ramp::Cosine,
        tau: 8.0,
        tau_end: Some(2.0),
        alpha: 0.7,
        alpha_end: Some(0.2),
        ..TrainConfig::default()
    };
    check("hinton, cosine α and τ", cosine, t.clone(), 0.88);
    check(
        "hinton, entropy-matched τ",
        TrainConfig::default().with_param("targetEntropy", 1.5),
        t,
        0.88,
    );
}

#[test]
fn dkd_trains() {
    check(
        "dkd",
        TrainConfig {
            method: m("dkd"),
            ..TrainConfig::default()
        },
        vec![mnist_teacher()],
        0.88,
    );
}

#[test]
fn multi_teacher_methods_train_and_need_two_teachers() {
    let two = vec![mnist_teacher(), mlp_teacher()];
    for method in [m("multi-average"), m("multi-confidence")] {
        check(
            method.key(),
            TrainConfig {
                method,
                ..TrainConfig::default()
            },
            two.clone(),
            0.88,
        );
        let one = Run::with_teachers(
            TrainConfig {
                method,
                ..TrainConfig::default()
            },
            mnist(),
            vec![mnist_teacher()],
            &cpu_device(),
        );
        assert!(one.err().unwrap().message().contains("two teachers"));
    }
}

#[test]
fn the_second_teacher_is_a_good_mlp() {
    let t = mlp_teacher();
    t.check_matches(&mnist()).unwrap();
    assert_eq!(
        t.meta.get("teacher").map(String::as_str),
        Some("mlp:1200,1200")
    );
    let (acc, _) = t.test_accuracy(&mnist().test.labels);
    assert!(acc >= 0.985, "MLP teacher {acc}");
}

#[test]
fn feature_methods_train_with_the_teacher_network() {
    let t = vec![mnist_teacher()];
    for method in [
        m("fitnets"),
        m("fitnets-two-stage"),
        m("rkd"),
        m("cckd"),
        m("sp"),
    ] {
        check(
            method.key(),
            TrainConfig {
                method,
                ..TrainConfig::default()
            },
            t.clone(),
            0.88,
        );
    }
    let cnn = TrainConfig {
        method: m("attention"),
        student: "cnn:8,16,32".into(),
        ..TrainConfig::default()
    };
    check("attention", cnn, t.clone(), 0.88);
    // FSP compares conv layers channel by channel: the student has the teacher's 32 and 64.
    let fsp = TrainConfig {
        method: m("fsp"),
        student: "cnn:32,64,32".into(),
        train_limit: 5000,
        ..TrainConfig::default()
    };
    check("fsp", fsp, t.clone(), 0.88);
    // Without the teacher network they refuse to train, saying why; AT refuses an MLP student.
    let mut run = Run::with_teachers(
        TrainConfig {
            method: m("fitnets"),
            student: "mlp:16".into(),
            ..TrainConfig::default()
        },
        mnist(),
        t.clone(),
        &cpu_device(),
    )
    .unwrap();
    let e = block_on(run.train_steps(1)).err().unwrap();
    assert!(e.message().contains("teacher network"), "{}", e.message());
    let mut run = Run::with_teachers(
        TrainConfig {
            method: m("attention"),
            student: "mlp:16".into(),
            ..TrainConfig::default()
        },
        mnist(),
        t.clone(),
        &cpu_device(),
    )
    .unwrap();
    let path = "www/models/mnist-teacher.safetensors";
    let (spec, net, _) =
        load_weights(path, &std::fs::read(path).unwrap(), None, run.device()).unwrap();
    assert!(run
        .set_teacher_net(spec.clone(), net.clone())
        .err()
        .unwrap()
        .message()
        .contains("CNN"));
    let mut run = Run::with_teachers(
        TrainConfig {
            method: m("fsp"),
            student: "cnn:8,16,32".into(),
            ..TrainConfig::default()
        },
        mnist(),
        t,
        &cpu_device(),
    )
    .unwrap();
    let e = run.set_teacher_net(spec, net).err().unwrap();
    assert!(e.message().contains("teacher's conv channels"), "{e}");
}

#[test]
fn born_again_generations_each_learn_from_the_previous() {
    use distill_lab::train::born_again;
    let config = TrainConfig {
        student: "mlp:32".into(),
        epochs: 3,
        train_limit: 2000,
        lr: 2e-3,
        eval_every: 0,
        seed: 5,
        ..TrainConfig::default()
    };
    let mut seen = Vec::new();
    let gens = block_on(born_again(config, mnist(), 3, &cpu_device(), |g| {
        seen.push(g.generation)
    }))
    .unwrap();
    assert_eq!(seen, vec![0, 1, 2]);
    for g in &gens {
        assert!(
            g.test_accuracy > 0.8,
            "generation {}: {}",
            g.generation,
            g.test_accuracy
        );
        assert_eq!(
            g.test_errors,
            ((1.0 - g.test_accuracy) * 10_000.0).round() as usize
        );
    }
}

#[test]
fn a_teacher_assistant_chain_passes_knowledge_down() {
    use distill_lab::train::teacher_assistant_chain;
    let config = TrainConfig {
        epochs: 3,
        train_limit: 2000,
        lr: 2e-3,
        eval_every: 0,
        seed: 4,
        ..TrainConfig::default()
    };
    let chain = ["mlp:128".to_string(), "mlp:16".to_string()];
    let gens = block_on(teacher_assistant_chain(
        config,
        mnist(),
        mnist_teacher(),
        &chain,
        &cpu_device(),
    ))
    .unwrap();
    assert_eq!(gens.len(), 2);
    assert!(
        gens[0].test_accuracy > 0.85,
        "assistant {}",
        gens[0].test_accuracy
    );
    assert!(
        gens[1].test_accuracy > 0.75,
        "student taught by the assistant {}",
        gens[1].test_accuracy
    );
}

#[test]
fn sgd_with_momentum_and_lion_train_with_warm_up_and_schedules() {
    let t = vec![mnist_teacher()];
    let sgd = TrainConfig {
        optimizer: Optimizer::Sgd,
        momentum: 0.9,
        lr: 0.05,
        schedule: Schedule::Step,
        warmup: 0.05,
        ..TrainConfig::default()
    };
    check(
        "sgd, momentum 0.9, step schedule, warm-up",
        sgd,
        t.clone(),
        0.88,
    );
    // The paper advises Lion a rate 3–10× below AdamW's; on this short run Adam's rate (2e-3)
    // does best (1e-3: 88.6 %, 3e-4: 80.2 %).
    let lion = TrainConfig {
        optimizer: Optimizer::Lion,
        schedule: Schedule::Cosine,
        warmup: 0.05,
        ..TrainConfig::default()
    };
    check("lion, cosine, warm-up", lion, t, 0.88);
}

#[test]
fn adversarial_distillation_trains_the_student_and_its_discriminator() {
    let config = TrainConfig {
        student: "mlp:64".into(),
        method: m("adversarial"),
        epochs: 2,
        train_limit: 10_000,
        lr: 2e-3,
        eval_every: 0,
        seed: 2,
        ..TrainConfig::default()
    };
    let mut run = Run::new(config, mnist(), Some(mnist_teacher()), &cpu_device()).unwrap();
    let before = block_on(run.evaluate()).unwrap().test_accuracy;
    let report = block_on(run.train_steps(run.total_steps())).unwrap();
    let after = block_on(run.evaluate()).unwrap().test_accuracy;
    let acc = &report.discriminator_accuracy;
    assert_eq!(acc.len(), report.losses.len(), "one accuracy per step");
    assert!(acc.iter().all(|a| (0.0..=1.0).contains(a)));
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (early, late) = (mean(&acc[..50]), mean(&acc[acc.len() - 50..]));
    eprintln!(
        "adversarial: {before:.4} → {after:.4}; discriminator {early:.3} early, {late:.3} late"
    );
    assert!(before < 0.3 && after >= 0.88, "{before} → {after}");
    // The discriminator learns to tell the two apart at first (above chance)…
    assert!(early > 0.55, "early discriminator accuracy {early}");
    // …and the hard-label twin of a race gets no discriminator.
    let mut twin = Run::new(run.config().clone(), mnist(), None, &cpu_device()).unwrap();
    let r = block_on(twin.train_steps(3)).unwrap();
    assert!(r.discriminator_accuracy.is_empty());
}
