//! Teacher and student architectures (MLP and a small CNN), weight files and teacher logits.

mod logits;
mod net;
mod spec;
mod weights;

pub use logits::{argmax, load_logits, save_logits, TeacherLogits};
pub use net::{read_f32, Features, Net};
pub use spec::ModelSpec;
pub use weights::{load_weights, save_weights, WEIGHTS_FORMAT};
