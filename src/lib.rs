//! distill-lab: a knowledge-distillation lab whose core runs natively and in the browser.
//!
//! The core (`data`, `model`, `distill`, `method`, `train`, `analysis`) knows nothing of the browser; `web` is the
//! only module that touches wasm-bindgen.

pub mod analysis;
pub mod backend;
pub mod data;
pub mod distill;
pub mod error;
pub mod kernels;
pub mod method;
pub mod model;
pub mod rng;
pub mod train;

#[cfg(target_family = "wasm")]
pub mod web;

pub use error::{Error, Result};
