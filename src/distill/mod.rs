//! Distillation losses: pure tensor functions, one file per family.

mod adaptive;
mod adversarial;
mod attention;
mod data_free;
mod dkd;
mod fitnets;
mod fsp;
mod hinton;
mod multi;
mod progressive;
mod quant;
mod rkd;

pub use adaptive::{hinton_loss_per_example, tau_for_entropy, Ramp, TAU_RANGE};
pub use adversarial::{bce_with_logits, discriminate, discriminator_accuracy, discriminator_loss};
pub use attention::{attention_loss, attention_map};
pub use data_free::{
    batch_moments, dafl_generator_loss, feature_stat_loss, DAFL_ACTIVATION_WEIGHT,
    DAFL_ENTROPY_WEIGHT,
};
pub use dkd::dkd_loss;
pub use fitnets::hint_loss;
pub use fsp::{fsp_loss, fsp_matrix};
pub use hinton::{cross_entropy, hinton_loss, log_softmax, soft_kl};
pub use multi::{combined_target, multi_teacher_loss, Combine};
pub use progressive::{pair_rows, progressive_stage, LayerFeature, COMPARE_SIDE, LAYERWISE_SHARE};
pub use quant::{
    act_levels, fake_quant, fake_quant_act, fake_quant_conv, fake_quant_dense, weight_levels,
    BITS_RANGE,
};
pub use rkd::{rkd_angle, rkd_distance, rkd_loss, RKD_ANGLE_WEIGHT, RKD_DISTANCE_WEIGHT};
