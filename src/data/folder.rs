//! "Bring your own data": a folder of IDX files laid out like MNIST's, with any number of classes
//! from [`MIN_CLASSES`] to [`MAX_CLASSES`].
//!
//! The folder holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`
//! and `t10k-labels-idx1-ubyte`, each raw or gzip-compressed (`.gz`), and optionally
//! `classes.txt` (one class name per line). Images are 28×28 grey levels; labels run over
//! `0..k`, where `k` = the largest label + 1 over both splits. Every problem is an error naming
//! the file: those of the strict IDX parser ([`super::parse_idx_images`]), a wrong image size,
//! mismatched image and label counts, a label above 61, fewer than two classes, a class without
//! a training example, a `classes.txt` whose names do not fit.

use std::path::{Path, PathBuf};

use super::dataset::{Dataset, DatasetKind, Split, FILES, MAX_CLASSES, MIN_CLASSES};
use super::idx::MAX_DECOMPRESSED;
use super::read::read_file;
use crate::{err, Result};

/// The optional file of class names in a dataset folder.
pub const CLASS_NAMES_FILE: &str = "classes.txt";

/// The longest `classes.txt` read (62 names of up to 1 KiB).
const MAX_NAMES_BYTES: usize = 64 << 10;

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

/// A folder's name as a dataset name: its last component, kept to `[A-Za-z0-9_-]`, so that it
/// can stem file names (`<name>-teacher.safetensors`).
fn folder_name(dir: &Path) -> String {
    let base = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let clean: String = base
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

/// The class names of `classes.txt` (one per line, surrounding blanks and trailing empty lines
/// ignored), which must be exactly `k` non-empty names.
fn class_names(dir: &Path, k: usize) -> Result<Vec<String>> {
    let path = dir.join(CLASS_NAMES_FILE);
    if !path.is_file() {
        return Ok((0..k).map(|c| c.to_string()).collect());
    }
    let name = path.display();
    let bytes = read_file(&path, MAX_NAMES_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| err!("{name}: not UTF-8 text"))?;
    let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    while names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
    }
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        return Err(err!(
            "{name}: line {} is empty, expected a class name",
            i + 1
        ));
    }
    if names.len() != k {
        return Err(err!(
            "{name}: {} class names for {k} classes (labels 0..{})",
            names.len(),
            k - 1
        ));
    }
    Ok(names)
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
        let split = |i: usize| {
            Split::from_idx_classes(
                &names[i],
                &bytes[i],
                &names[i + 1],
                &bytes[i + 1],
                MAX_CLASSES,
            )
        };
        let (train, test) = (split(0)?, split(2)?);
        let k = 1 + *train.labels.iter().chain(&test.labels).max().unwrap_or(&0) as usize;
        if k < MIN_CLASSES {
            return Err(err!(
                "{}: every label is 0, a dataset needs at least {MIN_CLASSES} classes",
                names[1]
            ));
        }
        let mut seen = vec![false; k];
        for &y in &train.labels {
            seen[y as usize] = true;
        }
        if let Some(c) = seen.iter().position(|&s| !s) {
            return Err(err!(
                "{}: class {c} has no training example (labels run over 0..{}, the largest label \
                 + 1 over both splits)",
                names[1],
                k - 1
            ));
        }
        Ok(Self {
            kind: DatasetKind::Folder,
            name: folder_name(dir),
            class_names: class_names(dir, k)?,
            train,
            test,
        })
    }
}
