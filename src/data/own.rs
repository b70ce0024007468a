//! Datasets of your own, from bytes: four IDX files (a folder's, [`super::folder`], or the files
//! a visitor drops on the page) or images the page has already decoded (a zip of PNG folders).
//!
//! Images of any size are brought to 28×28 the way the draw pad's digits are
//! ([`mnist_like`]); 28×28 images are kept as they are. Every problem is an error naming the
//! file: the strict IDX parser's, mismatched image and label counts, a label above 61, fewer
//! than two classes, a class without a training example, class names that do not fit.

use super::dataset::{
    check_counts, Dataset, DatasetKind, Split, MAX_CLASSES, MIN_CLASSES, PIXELS, SIDE,
};
use super::idx::{parse_idx_images, parse_idx_labels};
use super::preprocess::mnist_like;
use crate::{err, Result};

impl Split {
    /// A split of your own data from IDX image and label files (gzip or raw): images of any size,
    /// resized to 28×28 unless they are; labels below [`MAX_CLASSES`]; as many labels as images.
    pub fn own_from_idx(
        images_name: &str,
        images: &[u8],
        labels_name: &str,
        labels: &[u8],
    ) -> Result<Self> {
        let img = parse_idx_images(images_name, images)?;
        let labels = parse_idx_labels(labels_name, labels, MAX_CLASSES)?;
        check_counts(images_name, img.count, labels_name, labels.len())?;
        let images = if (img.rows, img.cols) == (SIDE, SIDE) {
            img.pixels
        } else {
            let size = img.rows * img.cols;
            let mut out = Vec::with_capacity(img.count * PIXELS);
            for (i, one) in img.pixels.chunks_exact(size).enumerate() {
                let small = mnist_like(one, img.cols, img.rows)
                    .map_err(|e| err!("{images_name}: image {i}: {}", e.message()))?;
                out.extend_from_slice(&small);
            }
            out
        };
        Ok(Self { images, labels })
    }
}

impl Dataset {
    /// Your own dataset from its four IDX files, `(name, bytes)` in the order train images, train
    /// labels, test images, test labels, and optionally the text of its class names (one per
    /// line, `(name, bytes)`). Its class count is the largest label + 1 over both splits.
    pub fn own_from_idx(
        name: &str,
        files: [(&str, &[u8]); 4],
        class_names: Option<(&str, &[u8])>,
    ) -> Result<Self> {
        let split = |i: usize| {
            let ((images_name, images), (labels_name, labels)) = (files[i], files[i + 1]);
            Split::own_from_idx(images_name, images, labels_name, labels)
        };
        let (train, test) = (split(0)?, split(2)?);
        let labels_name = files[1].0;
        let k = 1 + *train.labels.iter().chain(&test.labels).max().unwrap_or(&0) as usize;
        if k < MIN_CLASSES {
            return Err(err!(
                "{labels_name}: every label is 0, a dataset needs at least {MIN_CLASSES} classes"
            ));
        }
        let names = match class_names {
            Some((file, text)) => parse_class_names(file, text, k)?,
            None => (0..k).map(|c| c.to_string()).collect(),
        };
        Self::own(name, labels_name, names, train, test)
    }

    /// Your own dataset from 28×28 images already decoded (`train`, `test`) and its class names,
    /// whose count is the class count; `source` names the data in messages.
    pub fn own_from_pixels(
        name: &str,
        source: &str,
        class_names: Vec<String>,
        train: Split,
        test: Split,
    ) -> Result<Self> {
        let k = class_names.len();
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&k) {
            return Err(err!(
                "{source}: {k} classes, expected {MIN_CLASSES} to {MAX_CLASSES}"
            ));
        }
        for (which, split) in [("training", &train), ("test", &test)] {
            if split.labels.is_empty() {
                return Err(err!("{source}: no {which} images"));
            }
            if split.images.len() != split.labels.len() * PIXELS {
                return Err(err!(
                    "{source}: {} grey levels for {} {which} images of {SIDE}×{SIDE}",
                    split.images.len(),
                    split.labels.len()
                ));
            }
            if let Some(y) = split.labels.iter().find(|&&y| y as usize >= k) {
                return Err(err!(
                    "{source}: {which} label {y} for {k} classes (0..{})",
                    k - 1
                ));
            }
        }
        Self::own(name, source, class_names, train, test)
    }

    /// The checks every dataset of your own passes: a name per class, each class trained on.
    fn own(
        name: &str,
        labels_name: &str,
        class_names: Vec<String>,
        train: Split,
        test: Split,
    ) -> Result<Self> {
        let k = class_names.len();
        let mut seen = vec![false; k];
        for &y in &train.labels {
            seen[y as usize] = true;
        }
        if let Some(c) = seen.iter().position(|&s| !s) {
            return Err(err!(
                "{labels_name}: class {c} ('{}') has no training example (labels run over \
                 0..{}, the largest label + 1 over both splits)",
                class_names[c],
                k - 1
            ));
        }
        Ok(Self {
            kind: DatasetKind::Folder,
            name: clean_name(name),
            class_names,
            train,
            test,
        })
    }
}

/// The longest class-names text read (62 names of up to 1 KiB).
pub const MAX_NAMES_BYTES: usize = 64 << 10;

/// Class names, one per line (surrounding blanks and trailing empty lines ignored), which must
/// be exactly `k` non-empty names.
pub fn parse_class_names(file: &str, text: &[u8], k: usize) -> Result<Vec<String>> {
    if text.len() > MAX_NAMES_BYTES {
        return Err(err!(
            "{file}: {} bytes, more than the {MAX_NAMES_BYTES} class names may take",
            text.len()
        ));
    }
    let text = std::str::from_utf8(text).map_err(|_| err!("{file}: not UTF-8 text"))?;
    let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    while names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
    }
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        return Err(err!(
            "{file}: line {} is empty, expected a class name",
            i + 1
        ));
    }
    if names.len() != k {
        return Err(err!(
            "{file}: {} class names for {k} classes (labels 0..{})",
            names.len(),
            k - 1
        ));
    }
    Ok(names)
}

/// A dataset's name kept to `[A-Za-z0-9_-]` (others become `_`), so that it can stem file names
/// (`<name>-teacher.safetensors`); `data` when nothing is left.
pub fn clean_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                true => c,
                false => '_',
            },
        )
        .collect();
    match clean.is_empty() {
        true => "data".into(),
        false => clean,
    }
}
