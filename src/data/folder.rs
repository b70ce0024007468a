//! "Bring your own data": a folder of IDX files laid out like MNIST's, with any number of classes
//! from [`super::MIN_CLASSES`] to [`super::MAX_CLASSES`].
//!
//! The folder holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`
//! and `t10k-labels-idx1-ubyte`, each raw or gzip-compressed (`.gz`), and optionally
//! `classes.txt` (one class name per line). Images are grey levels of any size (resized to 28×28
//! unless they are, [`super::own`]); labels run over `0..k`, where `k` = the largest label + 1
//! over both splits. Every problem is an error naming the file: those of the strict IDX parser
//! ([`super::parse_idx_images`]), mismatched image and label counts, a label above 61, fewer
//! than two classes, a class without a training example, a `classes.txt` whose names do not fit.

use std::path::{Path, PathBuf};

use super::dataset::{Dataset, DatasetKind, FILES};
use super::idx::MAX_DECOMPRESSED;
use super::own::{clean_name, MAX_NAMES_BYTES};
use super::read::read_file;
use crate::{err, Result};

/// The optional file of class names in a dataset folder.
pub const CLASS_NAMES_FILE: &str = "classes.txt";

/// Where a command's dataset comes from: a bundled one by name, or a folder by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// `mnist` or `fashion`, under the data root (`www/data`).
    Bundled(DatasetKind),
    /// A folder of IDX files ([`Dataset::load_folder`]).
    Folder(PathBuf),
}

impl DataSource {
    /// `path:DIR` is a folder, any other name a bundled dataset ([`DatasetKind::parse`]).
    pub fn parse(name: &str) -> Result<Self> {
        match name.strip_prefix("path:") {
            Some("") => Err(err!(
                "dataset 'path:': expected path:DIR, a folder of IDX files"
            )),
            Some(dir) => Ok(Self::Folder(PathBuf::from(dir))),
            None => DatasetKind::parse(name).map(Self::Bundled),
        }
    }

    /// Loads the dataset; bundled ones from `root/<kind.dir()>/`.
    pub fn load(&self, root: &Path) -> Result<Dataset> {
        match self {
            Self::Bundled(kind) => Dataset::load(*kind, root),
            Self::Folder(dir) => Dataset::load_folder(dir),
        }
    }
}

/// `dir/name`, raw or gzip: the first of `name` and `name.gz` that exists.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    let raw = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    match (raw.is_file(), gz.is_file()) {
        (true, _) => Ok(raw),
        (false, true) => Ok(gz),
        (false, false) => Err(err!(
            "{}: no {name} (or {name}.gz) in this dataset folder",
            dir.display()
        )),
    }
}

/// A folder's name as a dataset name: its last component ([`clean_name`]).
fn folder_name(dir: &Path) -> String {
    let base = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    clean_name(&base)
}

impl Dataset {
    /// Loads a folder of IDX files (see the [module](self)): its class count is the largest
    /// label + 1, its name the folder's.
    pub fn load_folder(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(err!("{}: not a folder", dir.display()));
        }
        let paths: Vec<PathBuf> = FILES
            .iter()
            .map(|f| find(dir, f.trim_end_matches(".gz")))
            .collect::<Result<_>>()?;
        // A gzip file is not much larger than what it inflates to, a raw one 16 bytes larger.
        let bytes: Vec<Vec<u8>> = paths
            .iter()
            .map(|p| read_file(p, MAX_DECOMPRESSED + (1 << 20)))
            .collect::<Result<_>>()?;
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let file = |i: usize| (names[i].as_str(), bytes[i].as_slice());
        let names_path = dir.join(CLASS_NAMES_FILE);
        let names_text = match names_path.is_file() {
            true => Some(read_file(&names_path, MAX_NAMES_BYTES)?),
            false => None,
        };
        let names_file = names_path.display().to_string();
        let class_names = names_text.as_deref().map(|t| (names_file.as_str(), t));
        Self::own_from_idx(
            &folder_name(dir),
            [file(0), file(1), file(2), file(3)],
            class_names,
        )
    }
}
