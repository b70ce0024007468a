//! Teacher and student architectures (MLP and a small CNN), weight files, teacher
//! logits and integer (quantized) networks.

mod logits;
mod net;
mod prune;
mod quant;
mod spec;
mod weights;

pub use logits::{argmax, load_logits, save_logits, TeacherLogits};
pub use net::{host_classes, read_f32, Features, Net, WeightMasks};
pub use prune::{apply_masks, prune_neurons, sparsity, weight_masks, HostWeights};
pub use quant::{QuantNet, INT8_FORMAT};
pub use spec::{ModelSpec, MAX_PARAMS};
pub use weights::{
    file_format, file_spec, load_host_weights, load_weights, save_weights, CLASSES_KEY,
    MAX_FILE_BYTES, WEIGHTS_FORMAT,
};
