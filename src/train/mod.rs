//! The hand-written training loop: configs, runs, evaluation.
//!
//! burn-train's `Learner` does not run in a browser, so the loop is ours: seeded, chunked
//! (`train_steps(n)` then yield to the caller), async read back only.

mod bench;
mod config;
mod data_free;
mod eval;
mod generations;
mod loss;
mod optim;
mod optim_step;
mod progressive;
mod run;
mod selfcheck;
mod student;

pub use bench::{bench_run, workloads, Workload, BENCH_ALPHA, BENCH_LR, BENCH_TAU};
pub use config::TrainConfig;
pub use data_free::{
    feature_channels, feature_rows, noise, ChannelStats, FeatureStats, FEATURE_STATS_KEY,
    FEATURE_STAT_WEIGHT, GRID_PER_CLASS,
};
pub use eval::{
    evaluate_logits, predict, predict_with, soft_term, soft_term_rows, teacher_logits, Evaluation,
};
pub use generations::{
    born_again, teacher_assistant_chain, Chain, ChainReport, Generation, Source, Stage,
};
pub use optim::{learning_rate, Optimizer, Schedule};
pub use optim_step::{Optim, ParamState, StateTensor};
pub use progressive::{
    adapter_dims, format_layer_map, layer_feature, layer_names, parse_layer_map, resolve_layer_map,
    LayerMap, MAX_PAIRS,
};
pub use run::{race, ChunkReport, Run, CALIBRATION_IMAGES, CHECKPOINT_VERSION};
pub use selfcheck::{
    self_check, SelfCheck, SelfCheckStep, SELF_CHECK_STUDENTS, SELF_CHECK_TOLERANCE,
};
pub use student::{
    Discriminator, Generator, Student, DISCRIMINATOR_WIDTH, GEN_CHANNELS, NOISE_DIM,
};
