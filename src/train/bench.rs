//! The benchmark workload: the lab's own Hinton KD step ([`Run::train_steps`]) on synthetic
//! images, labels and teacher logits, so that every backend (and TF.js, which runs the same
//! shapes in `www/bench/`) times the same work.
//!
//! The step is the one the page runs: the batch's pixels, one-hot labels and teacher logits go
//! from the host to the device, then the student's forward and backward pass, Hinton's loss
//! (α = 0.5, τ = 4) and Adam (lr 1e-3). [`Run::train_steps`] reads the chunk's losses back
//! once, which is also what makes a chunk's wall time honest on an asynchronous device.
//! Timing is the caller's (the CLI's clock natively, `performance.now()` in a browser).

use std::collections::HashMap;
use std::sync::Arc;

use burn::tensor::Device;

use super::{Run, TrainConfig};
use crate::data::{Dataset, DatasetKind, Split, BUNDLED_CLASSES, PIXELS};
use crate::model::TeacherLogits;
use crate::rng::Rng;
use crate::Result;

/// One benchmark workload: a student architecture and a batch size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Short name used in tables and JSON (`mlp-128-b64`).
    pub name: String,
    /// Student architecture ([`crate::model::ModelSpec`] syntax).
    pub student: String,
    /// Examples per step.
    pub batch: usize,
}

impl Workload {
    fn new(student: &str, batch: usize) -> Self {
        let name = format!("{}-b{batch}", student.replace([':', ','], "-"));
        Self {
            name,
            student: student.into(),
            batch,
        }
    }
}

/// The reference workloads: the page's default student, Hinton's 784-800-800-10 at two batch
/// sizes, and the lab's small CNN student. `quick` keeps the two cheapest.
pub fn workloads(quick: bool) -> Vec<Workload> {
    let all = vec![
        Workload::new("mlp:128", 64),
        Workload::new("mlp:800,800", 256),
        Workload::new("mlp:800,800", 1024),
        Workload::new("cnn:8,16,64", 64),
    ];
    match quick {
        true => all.into_iter().filter(|w| w.batch <= 256).take(2).collect(),
        false => all,
    }
}

/// The hyper-parameters every implementation of the benchmark step uses.
pub const BENCH_ALPHA: f32 = 0.5;
/// Temperature of the benchmark step.
pub const BENCH_TAU: f32 = 4.0;
/// Adam's learning rate in the benchmark step.
pub const BENCH_LR: f64 = 1e-3;

/// Distinct synthetic examples: four batches, so that batches differ as in real training.
const BATCHES_OF_DATA: usize = 4;

/// A run of `workload` on `device` over synthetic data (seeded), ready for `train_steps`; a
/// batch size out of range is refused by [`TrainConfig::validate`].
pub fn bench_run(workload: &Workload, device: &Device, seed: u64) -> Result<Run> {
    let n = workload.batch * BATCHES_OF_DATA;
    let mut rng = Rng::stream(seed, "bench");
    let split = |rng: &mut Rng| Split {
        images: (0..n * PIXELS).map(|_| rng.below(256) as u8).collect(),
        labels: (0..n).map(|_| rng.below(BUNDLED_CLASSES) as u8).collect(),
    };
    let kind = DatasetKind::Mnist;
    let data = Dataset {
        kind,
        name: kind.name().to_string(),
        class_names: kind.class_names().iter().map(|s| s.to_string()).collect(),
        train: split(&mut rng),
        test: split(&mut rng),
    };
    let logits = |rng: &mut Rng| {
        (0..n * BUNDLED_CLASSES)
            .map(|_| 3.0 * rng.normal())
            .collect()
    };
    let teacher = TeacherLogits {
        train: logits(&mut rng),
        test: logits(&mut rng),
        classes: BUNDLED_CLASSES,
        meta: HashMap::new(),
    };
    let config = TrainConfig {
        student: workload.student.clone(),
        alpha: BENCH_ALPHA,
        tau: BENCH_TAU,
        lr: BENCH_LR,
        batch_size: workload.batch,
        // The most the config allows: 4,000 steps, more than any benchmark takes.
        epochs: 1000,
        seed,
        ..TrainConfig::default()
    };
    Run::new(config, Arc::new(data), Some(Arc::new(teacher)), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{block_on, cpu_device};

    #[test]
    fn workloads_are_named_by_student_and_batch() {
        let names: Vec<String> = workloads(false).into_iter().map(|w| w.name).collect();
        assert_eq!(
            names,
            [
                "mlp-128-b64",
                "mlp-800-800-b256",
                "mlp-800-800-b1024",
                "cnn-8-16-64-b64"
            ]
        );
        assert_eq!(workloads(true).len(), 2);
    }

    #[test]
    fn the_bench_step_trains_and_lowers_its_loss() {
        let w = Workload::new("mlp:32", 16);
        let mut run = bench_run(&w, &cpu_device(), 3).unwrap();
        let first = block_on(run.train_steps(4)).unwrap();
        assert_eq!(first.losses.len(), 4);
        assert!(first.losses.iter().all(|l| l.is_finite() && *l > 0.0));
        // 4 distinct batches repeat: the student fits them, so the loss falls.
        let later = block_on(run.train_steps(200)).unwrap();
        let tail: f32 = later.losses[190..].iter().sum::<f32>() / 10.0;
        assert!(
            tail < 0.7 * first.losses[0],
            "{tail} vs {}",
            first.losses[0]
        );
        assert!(!later.finished);
    }

    #[test]
    fn a_bad_batch_is_refused() {
        let w = Workload::new("mlp:32", 0);
        let e = bench_run(&w, &cpu_device(), 1).err().unwrap();
        assert!(e.message().contains("batch size"), "{}", e.message());
    }
}
