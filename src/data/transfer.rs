//! Transfer sets: which training examples a student may learn from. Hinton et al. (2015, §3)
//! leave every "3" out of the transfer set, or keep only the 7s and 8s, and show that the student
//! still learns the missing classes from the teacher's soft labels on the others.

use std::ops::Range;

use super::{Dataset, Split, PIXELS};
use crate::{err, Result};

/// Transfer sets come from the training images before this index, for a training split of
/// `train` images: its first five sixths (50,000 of MNIST's 60,000). The ones from it on are held
/// out (to choose the bias correction), never trained on.
pub fn held_out_from(train: usize) -> usize {
    train * 5 / 6
}

/// A filter on the training labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassFilter {
    /// Every class.
    All,
    /// Every class but these.
    Without(Vec<u8>),
    /// Only these classes.
    Only(Vec<u8>),
}

impl ClassFilter {
    /// The page's names: `all`, `no3` (every class but 3), `only78` (only 7s and 8s).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "all" | "" => Ok(ClassFilter::All),
            "no3" => Ok(ClassFilter::Without(vec![3])),
            "only78" => Ok(ClassFilter::Only(vec![7, 8])),
            other => Err(err!("transfer set '{other}': expected all, no3 or only78")),
        }
    }

    /// The classes of `0..classes` the filter leaves out, in order.
    pub fn missing(&self, classes: usize) -> Vec<usize> {
        (0..classes).filter(|&c| !self.keeps(c as u8)).collect()
    }

    /// Whether an example of class `label` is kept.
    pub fn keeps(&self, label: u8) -> bool {
        match self {
            ClassFilter::All => true,
            ClassFilter::Without(c) => !c.contains(&label),
            ClassFilter::Only(c) => c.contains(&label),
        }
    }
}

/// The indices in `range` of `split` whose labels `filter` keeps, in order.
pub fn transfer_indices(split: &Split, range: Range<usize>, filter: &ClassFilter) -> Vec<usize> {
    range
        .filter(|&i| i < split.len() && filter.keeps(split.labels[i]))
        .collect()
}

impl Split {
    /// The examples `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Split {
        let mut images = Vec::with_capacity(indices.len() * PIXELS);
        for &i in indices {
            images.extend_from_slice(&self.images[i * PIXELS..(i + 1) * PIXELS]);
        }
        Split {
            images,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

impl Dataset {
    /// The same dataset with its training split cut to `indices` (the test split unchanged).
    pub fn with_train(&self, indices: &[usize]) -> Dataset {
        Dataset {
            kind: self.kind,
            name: self.name.clone(),
            class_names: self.class_names.clone(),
            train: self.train.select(indices),
            test: self.test.clone(),
        }
    }
}
