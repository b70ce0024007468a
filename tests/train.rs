//! Training outcomes on real MNIST, on the CPU.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{mnist, mnist_teacher as bundled_teacher};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::{Batcher, Dataset, DatasetKind};
use distill_lab::model::{load_logits, TeacherLogits};
use distill_lab::train::{Run, TrainConfig};

#[test]
fn bundled_teachers_reach_their_accuracy_bounds() {
    let t = bundled_teacher();
    let (acc, _) = t.test_accuracy(&mnist().test.labels);
    assert!(acc >= 0.992, "MNIST teacher {acc}");
    let f = Dataset::load(DatasetKind::Fashion, Path::new("www/data")).unwrap();
    let path = "www/models/fashion-teacher.logits.safetensors";
    let ft = load_logits(path, &std::fs::read(path).unwrap()).unwrap();
    ft.check_matches(&f).unwrap();
    let (acc, _) = ft.test_accuracy(&f.test.labels);
    assert!(acc >= 0.91, "Fashion teacher {acc}");
    // The MNIST logits do not pass for the Fashion-MNIST dataset.
    assert!(t.check_matches(&f).is_err());
}

#[test]
fn a_distilled_mlp_student_reaches_97_percent_on_the_cpu() {
    let config = TrainConfig {
        student: "mlp:256".into(),
        alpha: 0.5,
        tau: 4.0,
        epochs: 2,
        batch_size: 64,
        seed: 1,
        ..TrainConfig::default()
    };
    let mut run = Run::new(config, mnist(), Some(bundled_teacher()), &cpu_device()).unwrap();
    let start = block_on(run.evaluate()).unwrap();
    while !run.finished() {
        let r = block_on(run.train_steps(500)).unwrap();
        assert!(r.nan_paused.is_none());
        assert!(r.losses.iter().all(|l| l.is_finite()));
    }
    let end = block_on(run.evaluate()).unwrap();
    eprintln!(
        "student: {:.4} → {:.4}",
        start.test_accuracy, end.test_accuracy
    );
    assert!(start.test_accuracy < 0.3);
    assert!(end.test_accuracy >= 0.97, "{end:?}");
    assert_eq!(
        end.test_errors,
        ((1.0 - end.test_accuracy) * 10_000.0).round() as usize
    );
}

#[test]
fn a_non_finite_loss_pauses_the_run_and_restores_the_last_good_weights() {
    let data = mnist();
    let config = TrainConfig {
        student: "mlp:16".into(),
        batch_size: 10,
        train_limit: 1000,
        seed: 3,
        ..TrainConfig::default()
    };
    // Corrupt the teacher's soft label of one example of the 6th batch.
    let mut batcher = Batcher::new(1000, 10, 3);
    let sixth = (0..6).map(|_| batcher.next_batch()).last().unwrap();
    let mut teacher = TeacherLogits {
        train: vec![0.0; data.train.len() * 10],
        test: vec![0.0; data.test.len() * 10],
        classes: 10,
        meta: Default::default(),
    };
    teacher.train[sixth[0] * 10] = f32::INFINITY;
    let mut run = Run::new(config, data, Some(Arc::new(teacher)), &cpu_device()).unwrap();
    let ok = block_on(run.train_steps(4)).unwrap();
    assert!(ok.nan_paused.is_none() && ok.losses.len() == 4);
    let before = block_on(run.model().to_host()).unwrap();
    let bad = block_on(run.train_steps(4)).unwrap();
    let msg = bad.nan_paused.expect("the run must pause");
    assert!(
        msg.contains("step 6") && msg.contains("weights of step 4"),
        "{msg}"
    );
    assert_eq!(bad.step, 4);
    assert_eq!(bad.losses.len(), 1, "only step 5's loss was good");
    assert_eq!(run.step(), 4);
    assert_eq!(block_on(run.model().to_host()).unwrap(), before);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let config = TrainConfig {
        student: "mlp:32".into(),
        train_limit: 2000,
        batch_size: 32,
        ..TrainConfig::default()
    };
    let losses = |c: TrainConfig| {
        let mut run = Run::new(c, mnist(), None, &cpu_device()).unwrap();
        block_on(run.train_steps(10)).unwrap().losses
    };
    let a = losses(config.clone());
    assert_eq!(a, losses(config.clone()));
    assert_ne!(a, losses(TrainConfig { seed: 2, ..config }));
}
