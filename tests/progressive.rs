//! Progressive layer-wise distillation: the layer mapping (parsed, chosen, checked), the
//! schedule, and a student that learns layer by layer and then from the outputs.

mod common;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::distill::progressive_stage;
use distill_lab::method::MethodRef;
use distill_lab::model::{load_weights, ModelSpec};
use distill_lab::train::{
    adapter_dims, layer_names, parse_layer_map, resolve_layer_map, Run, TrainConfig,
};
/// The registered method `key`.
fn m(key: &str) -> MethodRef {
    MethodRef::parse(key).unwrap()
}

const TEACHER: &str = "www/models/mnist-teacher.safetensors";

fn spec(text: &str) -> ModelSpec {
    ModelSpec::parse(text).unwrap()
}

#[test]
fn layer_maps_are_parsed_chosen_and_checked() {
    assert_eq!(parse_layer_map("2:1, 3:2").unwrap(), vec![(2, 1), (3, 2)]);
    assert!(parse_layer_map("").unwrap().is_empty());
    for bad in ["2-1", "0:1", "a:1", "1:2,2:3,3:4,4:5,5:6,6:7,7:8,8:9,9:10"] {
        assert!(parse_layer_map(bad).is_err(), "{bad}");
    }
    let teacher = spec("cnn:32,64,256");
    assert_eq!(
        layer_names(&teacher),
        ["conv 32", "conv 64", "dense 256"].map(String::from)
    );
    // Automatic: student layer j ↔ teacher layer round(j·n_t/n_s).
    let auto = |s: &str| resolve_layer_map("", &spec(s), &teacher).unwrap();
    assert_eq!(auto("mlp:64"), vec![(3, 1)]);
    assert_eq!(auto("mlp:128,64"), vec![(2, 1), (3, 2)]);
    assert_eq!(auto("cnn:8,16,32"), vec![(1, 1), (2, 2), (3, 3)]);
    assert_eq!(auto("mlp:64,64,64,64,64,64"), vec![(1, 2), (2, 4), (3, 6)]);
    assert!(resolve_layer_map("", &spec("mlp:"), &teacher).is_err());
    // Out of range, and not shallow to deep.
    let e = resolve_layer_map("4:1", &spec("mlp:64"), &teacher).unwrap_err();
    assert!(e.message().contains("1..=3"), "{e}");
    let e = resolve_layer_map("3:1,2:2", &spec("mlp:64,64"), &teacher).unwrap_err();
    assert!(e.message().contains("shallow to deep"), "{e}");
    let e = resolve_layer_map("2:2,3:2", &spec("mlp:64,64"), &teacher).unwrap_err();
    assert!(e.message().contains("shallow to deep"), "{e}");
    // Adapters: 1×1 conv between conv blocks, flattened 7×7 sizes otherwise.
    let s = spec("cnn:8,16,32");
    assert_eq!(
        adapter_dims(&[(1, 1), (3, 2)], &s, &teacher),
        vec![(8, 32), (16 * 49, 256)]
    );
    assert_eq!(
        adapter_dims(&[(2, 1)], &spec("mlp:100"), &teacher),
        vec![(100, 64 * 49)]
    );
}

#[test]
fn the_schedule_takes_pairs_in_turn_then_the_output() {
    let stages: Vec<Option<usize>> = (0..100).map(|s| progressive_stage(s, 100, 2)).collect();
    assert!(stages[..25].iter().all(|s| *s == Some(0)));
    assert!(stages[25..50].iter().all(|s| *s == Some(1)));
    assert!(stages[50..].iter().all(|s| s.is_none()));
    assert_eq!(progressive_stage(0, 100, 0), None);
    // Three pairs over 7 layer-wise steps of 15: every pair gets a turn, in order.
    let turns: Vec<Option<usize>> = (0..15).map(|s| progressive_stage(s, 15, 3)).collect();
    assert_eq!(&turns[..7], &[0, 0, 0, 1, 1, 2, 2].map(Some));
}

#[test]
fn a_cnn_student_learns_layer_by_layer_then_from_the_outputs() {
    let config = TrainConfig {
        student: "cnn:8,16,32".into(),
        method: m("progressive"),
        epochs: 2,
        train_limit: 10_000,
        lr: 2e-3,
        eval_every: 0,
        seed: 2,
        ..TrainConfig::default()
    };
    let mut run = Run::new(
        config.clone(),
        mnist(),
        Some(mnist_teacher()),
        &cpu_device(),
    )
    .unwrap();
    run.load_teacher_net(TEACHER, &std::fs::read(TEACHER).unwrap())
        .unwrap();
    assert_eq!(run.layer_map(), &[(1, 1), (2, 2), (3, 3)]);
    let before = block_on(run.evaluate()).unwrap().test_accuracy;
    let report = block_on(run.train_steps(run.total_steps())).unwrap();
    assert!(report.nan_paused.is_none());
    let after = block_on(run.evaluate()).unwrap().test_accuracy;
    eprintln!("progressive cnn:8,16,32: {before:.4} → {after:.4}");
    assert!(before < 0.3 && after >= 0.88, "{before} → {after}");
    // Each pair's hint falls during its turn (the first and last 10 steps of each third of the
    // layer-wise half).
    let total = run.total_steps();
    let mean =
        |r: std::ops::Range<usize>| report.losses[r.clone()].iter().sum::<f32>() / r.len() as f32;
    for k in 0..3 {
        let (a, b) = (k * total / 6, (k + 1) * total / 6);
        let (first, last) = (mean(a..a + 10), mean(b - 10..b));
        assert!(last < first, "pair {k}: hint {first} → {last}");
    }

    // A mapping that does not fit is refused when the teacher network arrives.
    let bad = config.with_param("layerMap", "3:1,2:2");
    let mut run = Run::new(bad, mnist(), Some(mnist_teacher()), &cpu_device()).unwrap();
    let (spec, net, _) = load_weights(
        TEACHER,
        &std::fs::read(TEACHER).unwrap(),
        None,
        run.device(),
    )
    .unwrap();
    let e = run.set_teacher_net(spec, net).unwrap_err();
    assert!(e.message().contains("shallow to deep"), "{e}");
}
