//! The two bundled datasets, as train and test splits of 28×28 grey images.

use std::path::Path;

use super::idx::{parse_idx_images, parse_idx_labels, MAX_DECOMPRESSED};
use super::read::read_file;
use crate::{err, Result};

/// Pixels per image (28 × 28).
pub const PIXELS: usize = 28 * 28;
/// Classes per dataset.
pub const CLASSES: usize = 10;

/// Which bundled dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// MNIST handwritten digits.
    Mnist,
    /// Fashion-MNIST clothing images.
    Fashion,
}

impl DatasetKind {
    /// Parses `mnist`, `fashion` or `fashion-mnist`.
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "mnist" => Ok(Self::Mnist),
            "fashion" | "fashion-mnist" | "fashion_mnist" => Ok(Self::Fashion),
            other => Err(err!(
                "unknown dataset '{other}': expected 'mnist' or 'fashion'"
            )),
        }
    }

    /// The short name used in file names and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::Fashion => "fashion",
        }
    }

    /// The folder under `www/data/` holding the IDX files.
    pub fn dir(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::Fashion => "fashion-mnist",
        }
    }

    /// Human-readable class names, index = label.
    pub fn class_names(self) -> [&'static str; CLASSES] {
        match self {
            Self::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Self::Fashion => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }
}

/// One split: `len` images of [`PIXELS`] bytes and their labels.
#[derive(Debug, Clone)]
pub struct Split {
    /// `len * PIXELS` grey levels, row-major per image.
    pub images: Vec<u8>,
    /// `len` labels in `0..CLASSES`.
    pub labels: Vec<u8>,
}

impl Split {
    /// Parses a split from IDX image and label files (gzip or raw) and checks they agree.
    pub fn from_idx(
        images_name: &str,
        images: &[u8],
        labels_name: &str,
        labels: &[u8],
    ) -> Result<Self> {
        let img = parse_idx_images(images_name, images)?;
        if img.rows != 28 || img.cols != 28 {
            return Err(err!(
                "{images_name}: wrong dimensions {}×{}, expected 28×28",
                img.rows,
                img.cols
            ));
        }
        let labels = parse_idx_labels(labels_name, labels, CLASSES)?;
        if labels.len() != img.count {
            return Err(err!(
                "{labels_name}: {} labels for {} images in {images_name}",
                labels.len(),
                img.count
            ));
        }
        if img.count == 0 {
            return Err(err!("{images_name}: holds no images"));
        }
        Ok(Self {
            images: img.pixels,
            labels,
        })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The inputs of the examples `indices`, scaled to `[0, 1]`.
    ///
    /// # Shapes
    /// returns `indices.len() * PIXELS` values, row-major `[batch, 784]`.
    pub fn inputs(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(indices.len() * PIXELS);
        for &i in indices {
            out.extend(
                self.images[i * PIXELS..(i + 1) * PIXELS]
                    .iter()
                    .map(|&p| f32::from(p) / 255.0),
            );
        }
        out
    }

    /// One-hot targets of the examples `indices`, `[batch, CLASSES]` row-major.
    pub fn one_hot(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = vec![0.0; indices.len() * CLASSES];
        for (row, &i) in indices.iter().enumerate() {
            out[row * CLASSES + self.labels[i] as usize] = 1.0;
        }
        out
    }
}

/// A bundled dataset: its kind and its train and test splits.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Which dataset.
    pub kind: DatasetKind,
    /// 60,000 training examples.
    pub train: Split,
    /// 10,000 test examples.
    pub test: Split,
}

impl Dataset {
    /// Parses a dataset from the four IDX (gzip) files' bytes, in the order train images,
    /// train labels, test images, test labels.
    pub fn from_bytes(kind: DatasetKind, files: [&[u8]; 4]) -> Result<Self> {
        let [ti, tl, vi, vl] = FILES;
        Ok(Self {
            kind,
            train: Split::from_idx(ti, files[0], tl, files[1])?,
            test: Split::from_idx(vi, files[2], vl, files[3])?,
        })
    }

    /// Loads a dataset from `root/<kind.dir()>/`.
    pub fn load(kind: DatasetKind, root: &Path) -> Result<Self> {
        let dir = root.join(kind.dir());
        // A gzip file is not much larger than what it inflates to, a raw one 16 bytes larger.
        let read = |f: &str| read_file(&dir.join(f), MAX_DECOMPRESSED + (1 << 20));
        let bytes: Vec<Vec<u8>> = FILES.iter().map(|f| read(f)).collect::<Result<_>>()?;
        Self::from_bytes(kind, [&bytes[0], &bytes[1], &bytes[2], &bytes[3]])
            .map_err(|e| e.context(dir.display()))
    }
}

/// The IDX file names of a dataset folder: train images, train labels, test images, test labels.
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];
