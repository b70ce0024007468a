//! Pruning: unstructured masks, neuron removal, and fine-tuning that keeps the zeros.

mod common;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::PIXELS;
use distill_lab::model::{
    apply_masks, prune_neurons, sparsity, weight_masks, HostWeights, ModelSpec, Net,
};
use distill_lab::train::{predict, Run, TrainConfig};

fn host(spec: &str, seed: u64) -> (ModelSpec, HostWeights) {
    let spec = ModelSpec::parse(spec).unwrap();
    let host = Net::init_host(&spec, 10, seed);
    (spec, host)
}

#[test]
fn unstructured_masks_drop_exactly_the_smallest_weights_of_each_layer() {
    let (_, mut w) = host("mlp:64,32", 1);
    let masks = weight_masks(&w, 0.7).unwrap();
    for ((weights, _), mask) in w.iter().zip(&masks) {
        let dropped = mask.iter().filter(|&&m| m == 0.0).count();
        assert_eq!(dropped, (0.7 * weights.len() as f32).round() as usize);
        let magnitude = |keep: f32| {
            weights
                .iter()
                .zip(mask)
                .filter(move |(_, &m)| m == keep)
                .map(|(x, _)| x.abs())
        };
        let largest_dropped = magnitude(0.0).fold(0.0f32, f32::max);
        let smallest_kept = magnitude(1.0).fold(f32::INFINITY, f32::min);
        assert!(largest_dropped <= smallest_kept);
    }
    apply_masks(&mut w, &masks);
    assert!((sparsity(&w) - 0.7).abs() < 1e-3, "{}", sparsity(&w));
    assert!(weight_masks(&w, 1.0).is_err());
}

#[test]
fn removing_dead_neurons_changes_no_output() {
    // Kill half of each hidden layer's neurons (no incoming weight, no bias): ReLU gives 0, so
    // the smaller network must compute exactly what the bigger one does.
    let (spec, mut w) = host("mlp:64,32", 2);
    for (weights, bias) in w.iter_mut().take(2) {
        let n_out = bias.len();
        for j in (0..n_out).filter(|j| j % 2 == 1) {
            for r in 0..weights.len() / n_out {
                weights[r * n_out + j] = 0.0;
            }
            bias[j] = 0.0;
        }
    }
    let (small, w_small) = prune_neurons(&spec, &w, 0.5).unwrap();
    assert_eq!(small, ModelSpec::parse("mlp:32,16").unwrap());
    let device = cpu_device();
    let images = &mnist().test.images[..200 * PIXELS];
    let big = block_on(predict(
        &Net::from_host(&spec, w, &device).unwrap(),
        images,
        &device,
    ));
    let little = Net::from_host(&small, w_small, &device).unwrap();
    let little = block_on(predict(&little, images, &device));
    for (a, b) in big.unwrap().iter().zip(little.unwrap()) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
    // A CNN keeps its conv channels and loses dense neurons.
    let (cnn, w) = host("cnn:4,8,32", 3);
    let (smaller, _) = prune_neurons(&cnn, &w, 0.25).unwrap();
    assert_eq!(smaller, ModelSpec::parse("cnn:4,8,8").unwrap());
}

#[test]
fn fine_tuning_a_pruned_student_keeps_its_zeros() {
    let config = TrainConfig {
        student: "mlp:64".into(),
        epochs: 1,
        train_limit: 3000,
        lr: 2e-3,
        eval_every: 0,
        ..TrainConfig::default()
    };
    let mut run = Run::new(config, mnist(), Some(mnist_teacher()), &cpu_device()).unwrap();
    block_on(run.train_steps(30)).unwrap();
    let masks = weight_masks(&block_on(run.model().to_host()).unwrap(), 0.8).unwrap();
    run.set_masks(masks.clone()).unwrap();
    block_on(run.train_steps(20)).unwrap();
    let w = block_on(run.model().to_host()).unwrap();
    for ((weights, _), mask) in w.iter().zip(&masks) {
        for (x, m) in weights.iter().zip(mask) {
            assert!(*m == 1.0 || *x == 0.0, "a pruned weight came back: {x}");
        }
    }
    assert!(sparsity(&w) >= 0.8 - 1e-3);
    assert!(block_on(run.evaluate()).unwrap().test_accuracy > 0.5);
    assert!(run.set_masks(vec![vec![1.0; 3]]).is_err());
}
