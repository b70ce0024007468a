//! Teacher logits on the full train and test sets, stored compactly as f16 safetensors.
//!
//! f16 keeps about 3 significant digits, far finer than what the softened targets need
//! (logits of magnitude ≤ 60 are stored to within 0.03), and halves the download.

use std::collections::HashMap;

use safetensors::Dtype;

use super::weights::{open, read_tensor};
use crate::data::{Dataset, MAX_CLASSES, MIN_CLASSES};
use crate::{err, Result};

const LOGITS_FORMAT: &str = "distill-lab-logits/1";

/// A teacher's logits for every training and test example.
#[derive(Debug, Clone)]
pub struct TeacherLogits {
    /// `[n_train, classes]` row-major.
    pub train: Vec<f32>,
    /// `[n_test, classes]` row-major.
    pub test: Vec<f32>,
    /// Number of classes: the width of every row (the files store it as the tensors' shape).
    pub classes: usize,
    /// Metadata (dataset, teacher architecture, …).
    pub meta: HashMap<String, String>,
}

impl TeacherLogits {
    /// Rows of `train` for the examples `indices`, `[batch, classes]` row-major.
    pub fn train_rows(&self, indices: &[usize]) -> Vec<f32> {
        let k = self.classes;
        let mut out = Vec::with_capacity(indices.len() * k);
        for &i in indices {
            out.extend_from_slice(&self.train[i * k..(i + 1) * k]);
        }
        out
    }

    /// The same logits with the training rows cut to `indices` (to match
    /// [`Dataset::with_train`]); the test rows unchanged.
    pub fn with_train(&self, indices: &[usize]) -> TeacherLogits {
        TeacherLogits {
            train: self.train_rows(indices),
            test: self.test.clone(),
            classes: self.classes,
            meta: self.meta.clone(),
        }
    }

    /// Checks the logits cover `data` exactly (same classes, same number of train and test
    /// examples, same dataset name when the metadata names one).
    pub fn check_matches(&self, data: &Dataset) -> Result<()> {
        if self.classes != data.classes() {
            return Err(err!(
                "teacher logits have {} classes but the {} dataset has {}",
                self.classes,
                data.name,
                data.classes()
            ));
        }
        let k = self.classes.max(1);
        let (tr, te) = (self.train.len() / k, self.test.len() / k);
        if tr != data.train.len() || te != data.test.len() {
            return Err(err!(
                "teacher logits cover {tr} train / {te} test examples but the {} dataset has {} / {}",
                data.name,
                data.train.len(),
                data.test.len()
            ));
        }
        if let Some(d) = self.meta.get("dataset") {
            if *d != data.name {
                return Err(err!(
                    "teacher logits are for dataset '{d}', not '{}'",
                    data.name
                ));
            }
        }
        Ok(())
    }

    /// Test accuracy of the teacher's logits against `labels`, and its error count.
    pub fn test_accuracy(&self, labels: &[u8]) -> (f64, usize) {
        let errors = self
            .test
            .chunks_exact(self.classes.max(1))
            .zip(labels)
            .filter(|(row, &y)| argmax(row) != y as usize)
            .count();
        (1.0 - errors as f64 / labels.len().max(1) as f64, errors)
    }
}

/// Index of the largest value (first on ties).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

fn f16_bytes(v: &[f32]) -> Vec<u8> {
    v.iter()
        .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
        .collect()
}

fn view<'a>(
    name: &str,
    data: &[f32],
    classes: usize,
    bytes: &'a [u8],
) -> Result<(String, safetensors::tensor::TensorView<'a>)> {
    let k = classes.max(1);
    safetensors::tensor::TensorView::new(Dtype::F16, vec![data.len() / k, k], bytes)
        .map(|v| (name.to_string(), v))
        .map_err(|e| err!("serialising logits: {e}"))
}

/// Serialises teacher logits (f16) with metadata.
pub fn save_logits(logits: &TeacherLogits) -> Result<Vec<u8>> {
    let train = f16_bytes(&logits.train);
    let test = f16_bytes(&logits.test);
    let views = vec![
        view("train", &logits.train, logits.classes, &train)?,
        view("test", &logits.test, logits.classes, &test)?,
    ];
    let mut meta = logits.meta.clone();
    meta.insert("format".into(), LOGITS_FORMAT.into());
    safetensors::serialize(views, Some(meta)).map_err(|e| err!("serialising logits: {e}"))
}

/// Parses a logits file, checking its format, dtype, shapes and values. The class count is the
/// tensors' second dimension ([`MIN_CLASSES`]..=[`MAX_CLASSES`], the same in both).
pub fn load_logits(file: &str, bytes: &[u8]) -> Result<TeacherLogits> {
    let (st, meta) = open(file, bytes, LOGITS_FORMAT)?;
    let shape = |key: &str| -> Result<(usize, usize)> {
        let t = st
            .tensor(key)
            .map_err(|_| err!("{file}: tensor '{key}' is missing"))?;
        match t.shape() {
            [n, c] if (MIN_CLASSES..=MAX_CLASSES).contains(c) && *n > 0 => Ok((*n, *c)),
            s => Err(err!(
                "{file}: tensor '{key}' has shape {s:?}, expected [examples, classes] with \
                 {MIN_CLASSES} to {MAX_CLASSES} classes"
            )),
        }
    };
    let ((ntr, k), (nte, k_test)) = (shape("train")?, shape("test")?);
    if k != k_test {
        return Err(err!(
            "{file}: {k} classes in 'train' but {k_test} in 'test'"
        ));
    }
    Ok(TeacherLogits {
        train: read_tensor(file, &st, "train", Dtype::F16, &[ntr, k])?,
        test: read_tensor(file, &st, "test", Dtype::F16, &[nte, k])?,
        classes: k,
        meta,
    })
}
