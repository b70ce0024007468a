//! Data: strict IDX parsing, the bundled datasets and folders of your own, seeded batching.

mod augment;
mod batch;
mod dataset;
mod folder;
mod idx;
mod own;
mod preprocess;
mod read;
mod transfer;

pub use augment::jitter;
pub use batch::{Batcher, BatcherState};
pub use dataset::{
    Dataset, DatasetKind, Split, BUNDLED_CLASSES, FILES, MAX_CLASSES, MIN_CLASSES, PIXELS, SIDE,
};
pub use folder::{DataSource, CLASS_NAMES_FILE};
pub use idx::{gunzip_limited, parse_idx_images, parse_idx_labels, IdxImages, MAX_DECOMPRESSED};
pub use own::{clean_name, parse_class_names};
pub use preprocess::mnist_like;
pub use read::{read_file, read_limited};
pub use transfer::{held_out_from, transfer_indices, ClassFilter};
