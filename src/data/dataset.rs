//! Datasets of 28×28 grey images in train and test splits: the two bundled ones (ten classes
//! each) and any folder of IDX files ([`super::folder`]) with 2 to [`MAX_CLASSES`] classes.

use std::path::Path;

use super::idx::{parse_idx_images, parse_idx_labels, MAX_DECOMPRESSED};
use super::read::read_file;
use crate::{err, Result};

/// Side of every image, in pixels: images are `SIDE × SIDE` grey levels.
pub const SIDE: usize = 28;
/// Pixels per image (28 × 28).
pub const PIXELS: usize = SIDE * SIDE;
/// Classes of each bundled dataset (MNIST, Fashion-MNIST). Other datasets have their own count,
/// [`Dataset::classes`].
pub const BUNDLED_CLASSES: usize = 10;
/// The fewest classes a dataset may have.
pub const MIN_CLASSES: usize = 2;
/// The most classes a dataset may have (EMNIST ByClass's 62: digits and both cases of letters).
pub const MAX_CLASSES: usize = 62;

/// Which dataset: a bundled one, or a folder of IDX files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// MNIST handwritten digits.
    Mnist,
    /// Fashion-MNIST clothing images.
    Fashion,
    /// A dataset of your own: a folder of IDX files ([`Dataset::load_folder`]) or the files a
    /// visitor gives the page ([`Dataset::own_from_idx`], [`Dataset::own_from_pixels`]).
    Folder,
}

impl DatasetKind {
    /// Parses `mnist`, `fashion` or `fashion-mnist` (a folder is not named by a kind).
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
            Self::Folder => "folder",
        }
    }

    /// The folder under `www/data/` holding a bundled dataset's IDX files (empty for a folder).
    pub fn dir(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::Fashion => "fashion-mnist",
            Self::Folder => "",
        }
    }

    /// A bundled dataset's class names, index = label (empty for a folder: its names are in
    /// [`Dataset::class_names`]).
    pub fn class_names(self) -> &'static [&'static str] {
        match self {
            Self::Mnist => &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Self::Fashion => &[
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
            Self::Folder => &[],
        }
    }
}

/// One split: `len` images of [`PIXELS`] bytes and their labels.
#[derive(Debug, Clone)]
pub struct Split {
    /// `len * PIXELS` grey levels, row-major per image.
    pub images: Vec<u8>,
    /// `len` labels in `0..classes` of the dataset.
    pub labels: Vec<u8>,
}

impl Split {
    /// Parses a split of a bundled dataset (labels below [`BUNDLED_CLASSES`]) from IDX image and
    /// label files: [`Split::from_idx_classes`].
    pub fn from_idx(
        images_name: &str,
        images: &[u8],
        labels_name: &str,
        labels: &[u8],
    ) -> Result<Self> {
        Self::from_idx_classes(images_name, images, labels_name, labels, BUNDLED_CLASSES)
    }

    /// Parses a split from IDX image and label files (gzip or raw) and checks they agree: images
    /// 28×28, every label below `classes`, as many labels as images, at least one.
    pub fn from_idx_classes(
        images_name: &str,
        images: &[u8],
        labels_name: &str,
        labels: &[u8],
        classes: usize,
    ) -> Result<Self> {
        let img = parse_idx_images(images_name, images)?;
        if img.rows != SIDE || img.cols != SIDE {
            return Err(err!(
                "{images_name}: wrong dimensions {}×{}, expected {SIDE}×{SIDE} (images are not \
                 resized: convert them to 28×28 first)",
                img.rows,
                img.cols
            ));
        }
        let labels = parse_idx_labels(labels_name, labels, classes)?;
        check_counts(images_name, img.count, labels_name, labels.len())?;
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

    /// One-hot targets of the examples `indices` over `classes` classes.
    ///
    /// # Shapes
    /// returns `[batch, classes]` row-major.
    pub fn one_hot(&self, indices: &[usize], classes: usize) -> Vec<f32> {
        let mut out = vec![0.0; indices.len() * classes];
        for (row, &i) in indices.iter().enumerate() {
            out[row * classes + self.labels[i] as usize] = 1.0;
        }
        out
    }
}

/// A dataset: its kind, name, class names and its train and test splits.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Which dataset.
    pub kind: DatasetKind,
    /// Its name in file names and metadata: the kind's name, or a folder's ([`Dataset::load_folder`]).
    pub name: String,
    /// One name per class, index = label; their count is the number of classes
    /// ([`MIN_CLASSES`]..=[`MAX_CLASSES`]).
    pub class_names: Vec<String>,
    /// The training examples (60,000 for the bundled datasets).
    pub train: Split,
    /// The test examples (10,000 for the bundled datasets).
    pub test: Split,
}

impl Dataset {
    /// Parses a dataset from the four IDX (gzip) files' bytes, in the order train images,
    /// train labels, test images, test labels.
    pub fn from_bytes(kind: DatasetKind, files: [&[u8]; 4]) -> Result<Self> {
        let [ti, tl, vi, vl] = FILES;
        Ok(Self {
            kind,
            name: kind.name().to_string(),
            class_names: kind.class_names().iter().map(|s| s.to_string()).collect(),
            train: Split::from_idx(ti, files[0], tl, files[1])?,
            test: Split::from_idx(vi, files[2], vl, files[3])?,
        })
    }

    /// The number of classes: the models' output width.
    pub fn classes(&self) -> usize {
        self.class_names.len()
    }

    /// Loads a bundled dataset from `root/<kind.dir()>/`.
    pub fn load(kind: DatasetKind, root: &Path) -> Result<Self> {
        if kind == DatasetKind::Folder {
            return Err(err!("a folder dataset is loaded with Dataset::load_folder"));
        }
        let dir = root.join(kind.dir());
        // A gzip file is not much larger than what it inflates to, a raw one 16 bytes larger.
        let read = |f: &str| read_file(&dir.join(f), MAX_DECOMPRESSED + (1 << 20));
        let bytes: Vec<Vec<u8>> = FILES.iter().map(|f| read(f)).collect::<Result<_>>()?;
        Self::from_bytes(kind, [&bytes[0], &bytes[1], &bytes[2], &bytes[3]])
            .map_err(|e| e.context(dir.display()))
    }
}

/// Checks that a split has as many labels as images, and at least one.
pub(super) fn check_counts(
    images_name: &str,
    images: usize,
    labels_name: &str,
    labels: usize,
) -> Result<()> {
    if labels != images {
        return Err(err!(
            "{labels_name}: {labels} labels for {images} images in {images_name}"
        ));
    }
    if images == 0 {
        return Err(err!("{images_name}: holds no images"));
    }
    Ok(())
}

/// The IDX file names of a dataset folder: train images, train labels, test images, test labels.
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];
