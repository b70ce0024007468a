//! Bias correction for classes the student never saw (Hinton et al. 2015, §3): the student
//! trained without any "3" learns to recognise 3s from soft labels but under-predicts them;
//! raising the bias of class 3 by a constant fixes most of that. The constant is chosen here on
//! held-out training examples, never on the test set.

use serde::Serialize;

use super::soft::row_width;

/// What [`choose_bias`] picked.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BiasChoice {
    /// The classes whose bias is raised (the ones missing from the transfer set).
    pub classes: Vec<usize>,
    /// The added bias.
    pub bias: f32,
    /// Accuracy on the held-out examples with it (and without it).
    pub held_out_accuracy: f64,
    pub held_out_accuracy_before: f64,
    /// Held-out examples the choice was made on.
    pub held_out: usize,
}

/// `logits` (`[n, width]` row-major, `width` = the number of classes) with `bias` added to
/// each class of `classes`.
pub fn add_bias(logits: &[f32], width: usize, classes: &[usize], bias: f32) -> Vec<f32> {
    let mut out = logits.to_vec();
    for row in out.chunks_exact_mut(width.max(1)) {
        for &c in classes {
            row[c] += bias;
        }
    }
    out
}

/// Share of rows of `logits` (`[n, classes]`, one row per label) whose top class is the label.
pub fn accuracy(logits: &[f32], labels: &[u8]) -> f64 {
    let right = logits
        .chunks_exact(row_width(logits, labels.len()))
        .zip(labels)
        .filter(|(row, &y)| crate::model::argmax(row) == y as usize)
        .count();
    right as f64 / labels.len().max(1) as f64
}

/// Share of the examples of the classes `classes` that `logits` get right (`None` if there are
/// none).
pub fn class_recall(logits: &[f32], labels: &[u8], classes: &[usize]) -> Option<f64> {
    let rows: Vec<(&[f32], &u8)> = logits
        .chunks_exact(row_width(logits, labels.len()))
        .zip(labels)
        .filter(|(_, &y)| classes.contains(&(y as usize)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let right = rows
        .iter()
        .filter(|(row, &y)| crate::model::argmax(row) == y as usize)
        .count();
    Some(right as f64 / rows.len() as f64)
}

/// The bias in `grid` that maximises accuracy on the held-out `logits` / `labels` when added to
/// each class of `classes` (the first such bias of `grid` on ties; 0 if none helps).
pub fn choose_bias(logits: &[f32], labels: &[u8], classes: &[usize], grid: &[f32]) -> BiasChoice {
    let before = accuracy(logits, labels);
    let width = row_width(logits, labels.len());
    let (mut bias, mut best) = (0.0, before);
    for &b in grid {
        let a = accuracy(&add_bias(logits, width, classes, b), labels);
        if a > best {
            (bias, best) = (b, a);
        }
    }
    BiasChoice {
        classes: classes.to_vec(),
        bias,
        held_out_accuracy: best,
        held_out_accuracy_before: before,
        held_out: labels.len(),
    }
}
