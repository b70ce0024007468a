//! Distillation losses: pure tensor functions, one file per family.

mod hinton;

pub use hinton::{cross_entropy, hinton_loss, log_softmax, soft_kl};
