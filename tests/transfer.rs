//! Transfer sets without some classes, and the bias correction chosen on held-out data.

mod common;

use common::{mnist, mnist_teacher};
use distill_lab::analysis::{accuracy, add_bias, choose_bias, class_recall};
use distill_lab::data::{transfer_indices, ClassFilter, PIXELS};
use distill_lab::rng::Rng;

#[test]
fn the_filter_removes_every_three_and_only_threes() {
    let data = mnist();
    let idx = transfer_indices(&data.train, 0..50_000, &ClassFilter::Without(vec![3]));
    let threes = data.train.labels[..50_000]
        .iter()
        .filter(|&&y| y == 3)
        .count();
    assert!(threes > 4000, "{threes} threes in the first 50,000");
    assert_eq!(idx.len(), 50_000 - threes);
    assert!(idx.iter().all(|&i| i < 50_000 && data.train.labels[i] != 3));
    let cut = data.with_train(&idx);
    assert!(!cut.train.labels.contains(&3));
    for class in (0..10).filter(|&c| c != 3) {
        let want = data.train.labels[..50_000]
            .iter()
            .filter(|&&y| y == class)
            .count();
        let got = cut.train.labels.iter().filter(|&&y| y == class).count();
        assert_eq!(got, want, "class {class}");
    }
    // Images and the teacher's logits stay with their examples.
    let teacher = mnist_teacher();
    let cut_teacher = teacher.with_train(&idx);
    cut_teacher.check_matches(&cut).unwrap();
    for (row, &i) in idx.iter().enumerate().step_by(997) {
        assert_eq!(
            cut.train.images[row * PIXELS..(row + 1) * PIXELS],
            data.train.images[i * PIXELS..(i + 1) * PIXELS]
        );
        assert_eq!(cut_teacher.train_rows(&[row]), teacher.train_rows(&[i]));
    }
    // Only 7s and 8s.
    let only = transfer_indices(&data.train, 0..50_000, &ClassFilter::Only(vec![7, 8]));
    assert!(only.iter().all(|&i| matches!(data.train.labels[i], 7 | 8)));
    let sevens_eights = data.train.labels[..50_000]
        .iter()
        .filter(|&&y| y == 7 || y == 8)
        .count();
    assert_eq!(only.len(), sevens_eights);
    assert!(ClassFilter::All.keeps(3));
}

/// Logits that are right except that class 3 is `shift` too low.
fn shifted(labels: &[u8], shift: f32, rng: &mut Rng) -> Vec<f32> {
    let mut out = Vec::new();
    for &y in labels {
        for k in 0..10u8 {
            let base = if k == y { 2.0 } else { rng.uniform(-1.0, 1.5) };
            out.push(if k == 3 { base - shift } else { base });
        }
    }
    out
}

#[test]
fn the_bias_is_chosen_on_held_out_examples_and_fixes_the_missing_class() {
    let mut rng = Rng::stream(7, "bias test");
    let held_labels: Vec<u8> = (0..2000).map(|i| (i % 10) as u8).collect();
    let test_labels: Vec<u8> = (0..1000).map(|i| ((i * 7) % 10) as u8).collect();
    let held = shifted(&held_labels, 2.5, &mut rng);
    let test = shifted(&test_labels, 2.5, &mut rng);
    assert!(class_recall(&test, &test_labels, &[3]).unwrap() < 0.2);
    let grid: Vec<f32> = (0..=80).map(|i| i as f32 * 0.1).collect();
    let choice = choose_bias(&held, &held_labels, &[3], &grid);
    assert!(choice.held_out_accuracy > choice.held_out_accuracy_before);
    assert!(
        choice.bias >= 2.0 && choice.bias <= 3.5,
        "bias {}",
        choice.bias
    );
    let fixed = add_bias(&test, 10, &[3], choice.bias);
    assert!(class_recall(&fixed, &test_labels, &[3]).unwrap() > 0.9);
    assert!(accuracy(&fixed, &test_labels) > accuracy(&test, &test_labels));
    // Several classes at once: lowering 7 and 8 is raising the other eight.
    let mut only78 = Vec::new();
    for &y in &held_labels {
        only78.extend((0..10u8).map(|k| {
            let seen = if k == 7 || k == 8 { 4.0 } else { 0.0 };
            seen + if k == y { 2.0 } else { 0.0 }
        }));
    }
    let others: Vec<usize> = (0..10).filter(|c| *c != 7 && *c != 8).collect();
    let c = choose_bias(&only78, &held_labels, &others, &grid);
    assert!(c.bias > 2.0 && c.held_out_accuracy > 0.99, "{c:?}");
    // No class-3 example: no recall to report.
    assert_eq!(class_recall(&held[..10], &held_labels[..1], &[3]), None);
}
