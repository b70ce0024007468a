//! Command-line interface (clap). Every flag maps onto [`TrainConfig`].

mod analyze;
mod bench;
mod experiment;
mod run_loop;
mod selfcheck;
mod teacher;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use distill_lab::backend::{block_on, cpu_device, wgpu_device, BackendKind};
use distill_lab::data::{Dataset, DatasetKind};
use distill_lab::distill::Ramp;
use distill_lab::model::{load_logits, save_weights, TeacherLogits, MAX_FILE_BYTES};
use distill_lab::train::{evaluate_logits, Method, Optimizer, Schedule, TrainConfig};
use distill_lab::{err, Result};

/// distill-lab: knowledge distillation, natively (same core as the browser lab).
#[derive(Parser)]
#[command(name = "distill-lab", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a teacher on hard labels and write its weights, logits and model card.
    TrainTeacher(TeacherArgs),
    /// Store a teacher's feature statistics (for data-free distillation) in its weight file.
    TeacherStats(TeacherStatsArgs),
    /// Train a student from a bundled teacher's soft labels (or on hard labels with --hard).
    Distill(DistillArgs),
    /// Analyses of the teacher, as shown in the page.
    #[command(subcommand)]
    Analyze(analyze::Analysis),
    /// Reports a student's weights file (e.g. exported from the page) on the test set.
    Evaluate(analyze::EvaluateArgs),
    /// Reproducible comparisons over several seeds (mean ± std).
    #[command(subcommand)]
    Experiment(experiment::Experiment),
    /// KD steps per second of the reference students on each native backend (`make bench`).
    Bench(bench::BenchArgs),
    /// One fixed training step whose numbers the page checks a WebGPU device against.
    SelfCheck(selfcheck::SelfCheckArgs),
}

/// Flags shared by every training command.
#[derive(Args, Clone)]
struct Common {
    /// Dataset: mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Folder holding the dataset folders (mnist/, fashion-mnist/).
    #[arg(long, default_value = "www/data")]
    data_dir: PathBuf,
    /// Compute backend: cpu (flex) or wgpu (a GPU through Vulkan/Metal/DX12).
    #[arg(long, default_value = "cpu")]
    backend: String,
    /// Passes over the training set (1..=1000).
    #[arg(long)]
    epochs: Option<usize>,
    /// Seed of the initial weights and the batch order.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Adam learning rate, in (0, 1].
    #[arg(long)]
    lr: Option<f64>,
    /// Learning-rate schedule: constant, cosine or step (÷10 at 50 % and 75 % of the steps).
    #[arg(long)]
    schedule: Option<String>,
    /// Share of the steps that warm the learning rate up linearly, in [0, 0.5].
    #[arg(long)]
    warmup: Option<f32>,
    /// Optimizer: adam, sgd (with --momentum) or lion.
    #[arg(long)]
    optimizer: Option<String>,
    /// SGD's momentum, in [0, 0.999].
    #[arg(long)]
    momentum: Option<f64>,
    /// Mini-batch size (1..=4096).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Evaluate on the test set every N steps (0 = only at the end).
    #[arg(long)]
    eval_every: Option<usize>,
    /// Train on only the first N training examples (0 = all).
    #[arg(long, default_value_t = 0)]
    train_limit: usize,
}

#[derive(Args)]
struct TeacherArgs {
    #[command(flatten)]
    common: Common,
    /// Teacher architecture: cnn:C1,C2,H or mlp:W1,W2,….
    #[arg(long, default_value = "cnn:32,64,256")]
    arch: String,
    /// Dropout after hidden dense layers, in [0, 0.9].
    #[arg(long, default_value_t = 0.3)]
    dropout: f64,
    /// Random translation of training images, in pixels (0..=4).
    #[arg(long, default_value_t = 1)]
    jitter: usize,
    /// Output folder for <name>.{safetensors,logits.safetensors,json}.
    #[arg(long, default_value = "www/models")]
    out: PathBuf,
    /// File name stem (default: <dataset>-teacher).
    #[arg(long)]
    name: Option<String>,
}

#[derive(Args)]
struct TeacherStatsArgs {
    #[command(flatten)]
    common: Common,
    /// The teacher's weight file (default: www/models/<dataset>-teacher.safetensors).
    #[arg(long)]
    file: Option<PathBuf>,
}

#[derive(Args)]
struct DistillArgs {
    #[command(flatten)]
    common: Common,
    /// Student architecture: mlp:W1,W2,… (mlp: = linear) or cnn:C1,C2,H.
    #[arg(long, default_value = "mlp:800,800")]
    student: String,
    /// Weight α of the hard-label cross-entropy, in [0, 1].
    #[arg(long, default_value_t = 0.5)]
    alpha: f32,
    /// Temperature τ of the soft targets, in [0.05, 100].
    #[arg(long, default_value_t = 4.0)]
    tau: f32,
    /// Teacher logits file; repeat it for several teachers (default: www/models/<dataset>-teacher,
    /// and <dataset>-mlp-teacher too for the multi-teacher methods).
    #[arg(long)]
    teacher: Vec<PathBuf>,
    /// Train on hard labels only (the baseline), ignoring the teacher.
    #[arg(long)]
    hard: bool,
    #[command(flatten)]
    method: MethodArgs,
    /// After training, quantize the student to --bits (after qat, or post-training otherwise),
    /// report its test accuracy and write the integer network here.
    #[arg(long)]
    int8: Option<PathBuf>,
}

/// The distillation method and its settings.
#[derive(Args, Clone)]
pub struct MethodArgs {
    /// Loss: hinton, dkd, multi-average, multi-confidence, fitnets, fitnets-two-stage, attention
    /// (CNN students), rkd, adversarial, data-free (a generator, no training image; try --lr
    /// 0.003), progressive (layer pairs of --layer-map, one at a time, then the output), fsp (CNN students with the teacher's conv channels) or qat (Hinton's loss, student
    /// fake-quantized to --bits).
    #[arg(long, default_value = "hinton")]
    method: String,
    /// DKD: weight of the target-class term.
    #[arg(long, default_value_t = 1.0)]
    dkd_alpha: f32,
    /// DKD: weight of the non-target-class term.
    #[arg(long, default_value_t = 8.0)]
    dkd_beta: f32,
    /// FitNets (joint): weight of the hint term.
    #[arg(long, default_value_t = 1.0)]
    hint_weight: f32,
    /// Adversarial distillation: weight of the student's fool-the-discriminator term.
    #[arg(long, default_value_t = 1.0)]
    adv_weight: f32,
    /// Attention transfer: β (AT terms weighted β/2).
    #[arg(long, default_value_t = 1000.0)]
    at_beta: f32,
    /// How α and τ move to --alpha-end / --tau-end: constant, linear or cosine.
    #[arg(long, default_value = "constant")]
    ramp: String,
    /// α at the end of the run (with --ramp linear|cosine).
    #[arg(long)]
    alpha_end: Option<f32>,
    /// τ at the end of the run (with --ramp linear|cosine).
    #[arg(long)]
    tau_end: Option<f32>,
    /// Per-example τ giving the teacher's softened output this many bits of entropy (hinton).
    #[arg(long)]
    target_entropy: Option<f32>,
    /// Quantization-aware distillation (qat) and --int8: bits per weight and activation (2..=8).
    #[arg(long, default_value_t = 8)]
    bits: u32,
    /// Progressive distillation: teacher:student layer pairs, shallow first, e.g. 2:1,3:2
    /// (feature layers numbered from 1: conv blocks, then hidden dense layers; default: chosen
    /// from the two architectures).
    #[arg(long, default_value = "")]
    layer_map: String,
}

impl MethodArgs {
    fn apply(&self, base: TrainConfig) -> Result<TrainConfig> {
        let ramp = match self.ramp.as_str() {
            "constant" => Ramp::Constant,
            "linear" => Ramp::Linear,
            "cosine" => Ramp::Cosine,
            r => return Err(err!("ramp '{r}': expected constant, linear or cosine")),
        };
        Ok(TrainConfig {
            method: Method::parse(&self.method)?,
            dkd_alpha: self.dkd_alpha,
            dkd_beta: self.dkd_beta,
            hint_weight: self.hint_weight,
            at_beta: self.at_beta,
            adv_weight: self.adv_weight,
            ramp,
            alpha_end: self.alpha_end,
            tau_end: self.tau_end,
            target_entropy: self.target_entropy,
            bits: self.bits,
            layer_map: self.layer_map.clone(),
            ..base
        })
    }
}

/// A weight or logits file's bytes, up to [`MAX_FILE_BYTES`]; the error names the file.
fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    distill_lab::data::read_file(path, MAX_FILE_BYTES)
}

/// The logits of `paths`, or of the bundled teachers `method` needs for `dataset`.
fn load_teachers(
    paths: &[PathBuf],
    dataset: &str,
    method: Method,
) -> Result<Vec<Arc<TeacherLogits>>> {
    let defaults: Vec<PathBuf> = if method.multi_teacher() {
        vec!["teacher", "mlp-teacher"]
    } else {
        vec!["teacher"]
    }
    .into_iter()
    .map(|n| PathBuf::from(format!("www/models/{dataset}-{n}.logits.safetensors")))
    .collect();
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    paths
        .iter()
        .map(|path| {
            let bytes = read(path)?;
            Ok(Arc::new(load_logits(&path.display().to_string(), &bytes)?))
        })
        .collect()
}

impl Common {
    fn config(&self, base: TrainConfig) -> Result<TrainConfig> {
        let schedule = match self.schedule.as_deref() {
            None => base.schedule,
            Some(s) => Schedule::parse(s)?,
        };
        let optimizer = match self.optimizer.as_deref() {
            None => base.optimizer,
            Some(o) => Optimizer::parse(o)?,
        };
        let c = TrainConfig {
            epochs: self.epochs.unwrap_or(base.epochs),
            seed: self.seed,
            lr: self.lr.unwrap_or(base.lr),
            schedule,
            warmup: self.warmup.unwrap_or(base.warmup),
            optimizer,
            momentum: self.momentum.unwrap_or(base.momentum),
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            eval_every: self.eval_every.unwrap_or(base.eval_every),
            train_limit: self.train_limit,
            ..base
        };
        c.validate()?;
        Ok(c)
    }

    fn load(&self) -> Result<(Arc<Dataset>, burn::tensor::Device, BackendKind)> {
        let kind = DatasetKind::parse(&self.dataset)?;
        let backend = BackendKind::parse(&self.backend)?;
        let data = Arc::new(Dataset::load(kind, &self.data_dir)?);
        let device = match backend {
            BackendKind::Cpu => cpu_device(),
            BackendKind::Wgpu => wgpu_device()?,
        };
        Ok((data, device, backend))
    }
}

/// Parses the command line and runs the command.
pub fn main() -> Result<()> {
    match Cli::parse().command {
        Command::TrainTeacher(a) => teacher::train_teacher(a),
        Command::TeacherStats(a) => teacher::teacher_stats(a),
        Command::Distill(a) => distill(a),
        Command::Analyze(a) => analyze::analyze(a),
        Command::Evaluate(a) => analyze::evaluate(a),
        Command::Experiment(e) => experiment::run(e),
        Command::Bench(a) => bench::bench(a),
        Command::SelfCheck(a) => selfcheck::run(a),
    }
}

fn distill(a: DistillArgs) -> Result<()> {
    let config = a.method.apply(a.common.config(TrainConfig {
        student: a.student.clone(),
        alpha: a.alpha,
        tau: a.tau,
        ..TrainConfig::default()
    })?)?;
    config.validate()?;
    let (data, device, backend) = a.common.load()?;
    let teachers = match a.hard {
        true => Vec::new(),
        false => load_teachers(&a.teacher, data.kind.name(), config.method)?,
    };
    let mut run = distill_lab::train::Run::with_teachers(config, data, teachers, &device)?;
    attach_teacher_net(&mut run)?;
    let summary = run_loop::run_to_end(&mut run, backend)?;
    if let Some(path) = a.int8 {
        let q = block_on(run.quantize(run.config().bits))?;
        let test = &run.data().test;
        let eval = evaluate_logits(run.step(), &q.logits(&test.images), &test.labels);
        let bytes = q.to_bytes(&[])?;
        let float = block_on(save_weights(run.model(), run.spec(), &[]))?;
        std::fs::write(&path, &bytes).map_err(|e| err!("{}: {e}", path.display()))?;
        println!(
            "{}",
            serde_json::json!({
                "event": "int8", "bits": q.bits(), "path": path,
                "quantizationAware": run.fake_quant_bits().is_some(),
                "testAccuracy": eval.test_accuracy, "testErrors": eval.test_errors,
                "trainedTestAccuracy": summary.last.test_accuracy,
                "bytes": bytes.len(), "floatBytes": float.len(),
            })
        );
    }
    Ok(())
}

/// Loads the bundled teacher network onto the run's device when its method needs features.
pub fn attach_teacher_net(run: &mut distill_lab::train::Run) -> Result<()> {
    if !run.config().method.needs_teacher_net() || !run.has_teacher() {
        return Ok(());
    }
    let path = PathBuf::from(format!(
        "www/models/{}-teacher.safetensors",
        run.dataset_name()
    ));
    let bytes = read(&path)?;
    run.load_teacher_net(&path.display().to_string(), &bytes)
}
