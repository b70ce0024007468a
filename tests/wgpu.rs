//! The native GPU path (burn-wgpu): the same training step on whatever adapter wgpu finds
//! (lavapipe, Mesa's software Vulkan, on CI). Without any adapter the test says so and passes:
//! CI installs mesa-vulkan-drivers so that it does run there.

use std::sync::Arc;

mod common;

use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::{Dataset, DatasetKind};
use distill_lab::train::{Run, TrainConfig};

#[test]
fn wgpu_trains_and_matches_the_cpu_first_losses() {
    let Some(device) = common::gpu_or_skip() else {
        return;
    };
    let data =
        Arc::new(Dataset::load(DatasetKind::Mnist, std::path::Path::new("www/data")).unwrap());
    let config = TrainConfig {
        student: "mlp:64".into(),
        train_limit: 640,
        batch_size: 64,
        ..TrainConfig::default()
    };
    let mut gpu = Run::new(config.clone(), data.clone(), None, &device).unwrap();
    let mut cpu = Run::new(config, data, None, &cpu_device()).unwrap();
    let g = block_on(gpu.train_steps(5)).unwrap().losses;
    let c = block_on(cpu.train_steps(5)).unwrap().losses;
    assert_eq!(g.len(), 5);
    for (a, b) in g.iter().zip(&c) {
        assert!(
            (a - b).abs() < 1e-3 * b.abs().max(1.0),
            "gpu {a} vs cpu {b}"
        );
    }
    let e = block_on(gpu.evaluate()).unwrap();
    assert!(e.test_accuracy > 0.3, "{e:?}");
}
