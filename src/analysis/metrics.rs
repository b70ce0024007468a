//! Comparing a student with the teacher and the labels: confusion, agreement, KL, calibration.

use serde::Serialize;

use super::soft::{kl, row_width, softmax_tau};
use crate::model::argmax;

/// Equal-width confidence bins of the expected calibration error.
pub const ECE_BINS: usize = 15;

/// `[classes, classes]` row-major counts: row = true class, column = predicted class, from
/// `logits` `[n, classes]` (one row per label).
pub fn confusion(logits: &[f32], labels: &[u8]) -> Vec<u32> {
    let k = row_width(logits, labels.len());
    let mut m = vec![0u32; k * k];
    for (row, &y) in logits.chunks_exact(k).zip(labels) {
        m[(y as usize).min(k - 1) * k + argmax(row)] += 1;
    }
    m
}

/// How a model does on the test set, and how close it is to the teacher.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StudentReport {
    /// Fraction of test examples classified correctly.
    pub test_accuracy: f64,
    /// Misclassified test examples.
    pub test_errors: usize,
    /// Fraction of test examples where its top-1 class equals the teacher's.
    pub agreement: f64,
    /// Mean `KL(teacher ‖ model)` at τ = 1, in nats.
    pub mean_kl: f64,
    /// Expected calibration error (τ = 1, [`ECE_BINS`] equal-width bins of the top-1
    /// probability): `Σ_b |acc_b − conf_b| · n_b / n`.
    pub ece: f64,
    /// Confusion matrix, see [`confusion`].
    pub confusion: Vec<u32>,
    /// Predicted class of every test example.
    pub predictions: Vec<u8>,
}

/// Compares `model` logits with `teacher` logits and the `labels` (both `[n, classes]`
/// row-major, one row per label).
pub fn compare(model: &[f32], teacher: &[f32], labels: &[u8]) -> StudentReport {
    let n = labels.len();
    let k = row_width(model, n);
    let (mut errors, mut agree, mut kl_sum) = (0usize, 0usize, 0.0f64);
    let mut bins = [(0usize, 0usize, 0.0f64); ECE_BINS]; // (count, correct, confidence sum)
    let mut predictions = Vec::with_capacity(n);
    for ((s, t), &y) in model
        .chunks_exact(k)
        .zip(teacher.chunks_exact(k))
        .zip(labels)
    {
        let pred = argmax(s);
        predictions.push(pred as u8);
        let correct = pred == y as usize;
        errors += usize::from(!correct);
        agree += usize::from(pred == argmax(t));
        let (ps, pt) = (softmax_tau(s, 1.0), softmax_tau(t, 1.0));
        kl_sum += kl(&pt, &ps);
        let conf = ps[pred];
        let b = ((conf * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        bins[b].0 += 1;
        bins[b].1 += usize::from(correct);
        bins[b].2 += conf;
    }
    let nf = n.max(1) as f64;
    let ece = bins
        .iter()
        .filter(|b| b.0 > 0)
        .map(|&(_, correct, conf)| (correct as f64 - conf).abs() / nf)
        .sum();
    StudentReport {
        test_accuracy: 1.0 - errors as f64 / nf,
        test_errors: errors,
        agreement: agree as f64 / nf,
        mean_kl: kl_sum / nf,
        ece,
        confusion: confusion(model, labels),
        predictions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSES: usize = 10;

    fn row(class: usize, margin: f32) -> Vec<f32> {
        let mut r = vec![0.0; CLASSES];
        r[class] = margin;
        r
    }

    #[test]
    fn confusion_agreement_and_calibration() {
        // Three examples: right and confident, right, wrong.
        let model: Vec<f32> = [row(1, 20.0), row(2, 20.0), row(3, 20.0)].concat();
        let teacher = model.clone();
        let r = compare(&model, &teacher, &[1, 2, 4]);
        assert_eq!(r.test_errors, 1);
        assert_eq!(r.agreement, 1.0);
        assert!(r.mean_kl.abs() < 1e-12);
        assert_eq!(r.confusion[4 * CLASSES + 3], 1);
        assert_eq!(r.confusion.iter().sum::<u32>(), 3);
        assert_eq!(r.predictions, vec![1, 2, 3]);
        // All confidences ≈ 1 in one bin, accuracy 2/3: ECE ≈ 1/3.
        assert!((r.ece - 1.0 / 3.0).abs() < 1e-6, "{}", r.ece);
        // A uniform student: confidence 0.1, accuracy 1/3 → ECE = |1/3 − 0.1|.
        let flat = vec![0.0f32; 3 * CLASSES];
        let r = compare(&flat, &teacher, &[0, 0, 4]);
        assert!((r.ece - (2.0 / 3.0 - 0.1)).abs() < 1e-9, "{}", r.ece);
        assert!(r.mean_kl > 2.0);
    }
}
