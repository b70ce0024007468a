//! Predictions in batches, and test-set evaluation from logits.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::analysis::row_width;
use std::collections::HashMap;

use crate::data::{Dataset, BUNDLED_CLASSES, PIXELS};
use crate::model::{argmax, read_f32, ModelSpec, Net, TeacherLogits};
use crate::{err, Result};

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
    /// Mean cross-entropy on the test set: Hinton's hard-label term `CE(y, s)`.
    pub test_loss: f64,
    /// Hinton's soft term on the test set, `τ²·KL(softmax(t/τ) ‖ softmax(s/τ))` averaged over
    /// the examples, at the run's τ of this step (runs with a teacher only; see [`soft_term`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_loss: Option<f64>,
    /// α and τ of the run at this step (runs with a teacher only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// See `alpha`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau: Option<f64>,
}

/// [`soft_term_rows`] for the bundled datasets' rows of [`BUNDLED_CLASSES`] (ten) classes.
pub fn soft_term(student: &[f32], teacher: &[f32], tau: f64) -> f64 {
    soft_term_rows(student, teacher, BUNDLED_CLASSES, tau)
}

/// Hinton's soft term `τ²·KL(softmax(t/τ) ‖ softmax(s/τ))`, averaged over the rows of
/// `student` and `teacher` (both `[n, classes]` row-major), in f64.
pub fn soft_term_rows(student: &[f32], teacher: &[f32], classes: usize, tau: f64) -> f64 {
    let classes = classes.max(1);
    let log_softmax = |row: &[f32]| -> Vec<f64> {
        let z: Vec<f64> = row.iter().map(|&v| v as f64 / tau).collect();
        let max = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let lse = z.iter().map(|&v| (v - max).exp()).sum::<f64>().ln() + max;
        z.iter().map(|&v| v - lse).collect()
    };
    let mut total = 0.0;
    let mut n = 0usize;
    for (s, t) in student
        .chunks_exact(classes)
        .zip(teacher.chunks_exact(classes))
    {
        let (ls, lt) = (log_softmax(s), log_softmax(t));
        total += lt
            .iter()
            .zip(&ls)
            .map(|(&a, &b)| a.exp() * (a - b))
            .sum::<f64>();
        n += 1;
    }
    tau * tau * total / n.max(1) as f64
}

/// Accuracy, error count and mean cross-entropy of `logits` (`[n, classes]` row-major, one row
/// per label: the class count is the row width) against `labels`.
pub fn evaluate_logits(step: usize, logits: &[f32], labels: &[u8]) -> Evaluation {
    let mut errors = 0;
    let mut loss = 0.0f64;
    for (row, &y) in logits
        .chunks_exact(row_width(logits, labels.len()))
        .zip(labels)
    {
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
        soft_loss: None,
        alpha: None,
        tau: None,
    }
}

/// A teacher's logits on every training and test image of `data` (its soft labels), with the
/// dataset's name and the teacher's architecture in the metadata.
pub async fn teacher_logits(
    model: &Net,
    spec: &ModelSpec,
    data: &Dataset,
    device: &Device,
) -> Result<TeacherLogits> {
    if model.classes() != data.classes() {
        return Err(err!(
            "a teacher of {} classes, and the dataset '{}' has {}",
            model.classes(),
            data.name,
            data.classes()
        ));
    }
    let train = predict(model, &data.train.images, device).await?;
    let test = predict(model, &data.test.images, device).await?;
    let meta = HashMap::from([
        ("dataset".to_string(), data.name.clone()),
        ("teacher".to_string(), spec.to_string()),
    ]);
    Ok(TeacherLogits {
        train,
        test,
        classes: data.classes(),
        meta,
    })
}

/// Logits of `model` for every image in `images` (`n * 784` grey levels), in batches of 1000.
///
/// # Shapes
/// returns `[n, classes]` row-major
pub async fn predict(model: &Net, images: &[u8], device: &Device) -> Result<Vec<f32>> {
    predict_with(model, images, device, None).await
}

/// [`predict`], fake-quantized to `bits` bits when set (activation scales per batch of 1000).
pub async fn predict_with(
    model: &Net,
    images: &[u8],
    device: &Device,
    bits: Option<u32>,
) -> Result<Vec<f32>> {
    let model = model.valid();
    let inner = device.clone().inner();
    let n = images.len() / PIXELS;
    if n * PIXELS != images.len() {
        return Err(err!(
            "predict: {} bytes is not a whole number of images",
            images.len()
        ));
    }
    let mut outs = Vec::new();
    for start in (0..n).step_by(1000) {
        let end = (start + 1000).min(n);
        let x: Vec<f32> = images[start * PIXELS..end * PIXELS]
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect();
        let x = Tensor::<2>::from_data(TensorData::new(x, [end - start, PIXELS]), &inner);
        outs.push(model.forward_quant(x, 0.0, bits).logits);
    }
    read_f32(Tensor::cat(outs, 0)).await
}
