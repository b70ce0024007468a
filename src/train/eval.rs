//! Test-set evaluation from logits.

use serde::Serialize;

use crate::model::argmax;

/// Test-set metrics of a model at some step.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// Training step at which the model was evaluated.
    pub step: usize,
    /// Fraction of test examples classified correctly.
    pub test_accuracy: f64,
    /// Misclassified test examples.
    pub test_errors: usize,
    /// Mean cross-entropy on the test set.
    pub test_loss: f64,
}

/// Accuracy, error count and mean cross-entropy of `logits` (`[n, 10]` row-major) against
/// `labels`.
pub fn evaluate_logits(step: usize, logits: &[f32], labels: &[u8]) -> Evaluation {
    let mut errors = 0;
    let mut loss = 0.0f64;
    for (row, &y) in logits.chunks_exact(10).zip(labels) {
        if argmax(row) != y as usize {
            errors += 1;
        }
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) as f64;
        let lse = row
            .iter()
            .map(|&v| (v as f64 - max).exp())
            .sum::<f64>()
            .ln()
            + max;
        loss += lse - row[y as usize] as f64;
    }
    let n = labels.len().max(1);
    Evaluation {
        step,
        test_accuracy: 1.0 - errors as f64 / n as f64,
        test_errors: errors,
        test_loss: loss / n as f64,
    }
}
