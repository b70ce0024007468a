//! Analysis of teachers and students: softened distributions, the dark-knowledge (class
//! similarity) matrix, confusion matrices, calibration, the example gallery and the gradient
//! scale of the soft loss versus τ. Host-side, backend-free except for [`gradient`].

mod bias;
mod capacity;
mod gallery;
mod gradient;
mod metrics;
mod similarity;
mod soft;

pub use bias::{accuracy, add_bias, choose_bias, class_recall, BiasChoice};
pub use capacity::{fit_logistic, logistic, LogisticFit};
pub use gallery::{gallery, Gallery};
pub use gradient::{log_spaced, soft_gradient_norms, view_student, GradientPoint, VIEW_MAX_PARAMS};
pub use metrics::{compare, confusion, StudentReport, ECE_BINS};
pub use similarity::{similarity, Pair, Similarity};
pub use soft::{entropy_bits, kl, row_width, softmax_tau};
