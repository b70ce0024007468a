//! Command-line interface (clap). Every flag maps onto [`TrainConfig`].

mod analyze;
mod bench;
mod experiment;
mod params;
mod run_loop;
mod selfcheck;
mod teacher;
mod teachers;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use distill_lab::backend::{block_on, cpu_device, wgpu_device, BackendKind};
use distill_lab::data::{DataSource, Dataset};
use distill_lab::distill::Ramp;
use distill_lab::method::MethodRef;
use distill_lab::model::{file_format, save_weights, MAX_FILE_BYTES, WEIGHTS_FORMAT};
use distill_lab::train::{evaluate_logits, Optimizer, Schedule, TrainConfig};
use distill_lab::{err, Result};
use teachers::{bundled_teachers, teachers_for};

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
    /// Train a student from a teacher's soft labels (or on hard labels with --hard).
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
    /// The registered distillation methods: key, name, paper, needs, stages and parameters
    /// (with ranges and defaults), as JSON (the catalogue the page reads from the wasm).
    Methods,
}

/// Flags shared by every training command.
#[derive(Args, Clone)]
struct Common {
    /// Dataset: mnist, fashion, or path:DIR (a folder of your own, as --data DIR).
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// A folder of your own data: IDX files as MNIST's (train-images-idx3-ubyte[.gz],
    /// train-labels-idx1-ubyte[.gz], t10k-…), 28×28 images, labels 0..k-1 with 2 ≤ k ≤ 62, and
    /// optionally classes.txt (one name per line).
    #[arg(long, value_name = "DIR", conflicts_with = "dataset")]
    data: Option<PathBuf>,
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
    /// Teacher logits file, or a teacher's weight file (its logits are then computed first);
    /// repeat it for several teachers (default: www/models/<dataset>-teacher, and
    /// <dataset>-mlp-teacher too for the multi-teacher methods).
    #[arg(long)]
    teacher: Vec<PathBuf>,
    /// The teacher's weight file, for the feature-based methods (default: beside the first
    /// --teacher, X.safetensors for X.logits.safetensors; else www/models/<dataset>-teacher).
    #[arg(long)]
    teacher_weights: Option<PathBuf>,
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

/// The distillation method and its settings: `--method`, the ramps of α and τ, and each
/// registered method's parameters as flags ([`params::MethodParams`]).
#[derive(Args, Clone)]
pub struct MethodArgs {
    #[arg(long, default_value = "hinton", help = params::method_help())]
    method: String,
    /// How α and τ move to --alpha-end / --tau-end: constant, linear or cosine.
    #[arg(long, default_value = "constant")]
    ramp: String,
    /// α at the end of the run (with --ramp linear|cosine).
    #[arg(long)]
    alpha_end: Option<f32>,
    /// τ at the end of the run (with --ramp linear|cosine).
    #[arg(long)]
    tau_end: Option<f32>,
    #[command(flatten)]
    params: params::MethodParams,
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
            method: MethodRef::parse(&self.method)?,
            ramp,
            alpha_end: self.alpha_end,
            tau_end: self.tau_end,
            params: self.params.apply(base.params.clone())?,
            ..base
        })
    }
}

/// The dataset named by `--dataset` or `--data` (which wins: the two conflict when both given).
fn data_source(dataset: &str, data: &Option<PathBuf>) -> Result<DataSource> {
    match data {
        Some(dir) => Ok(DataSource::Folder(dir.clone())),
        None => DataSource::parse(dataset),
    }
}

/// A weight or logits file's bytes, up to [`MAX_FILE_BYTES`]; the error names the file.
fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    distill_lab::data::read_file(path, MAX_FILE_BYTES)
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
        let source = data_source(&self.dataset, &self.data)?;
        let backend = BackendKind::parse(&self.backend)?;
        let data = Arc::new(source.load(&self.data_dir)?);
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
        Command::Methods => {
            let text = serde_json::to_string_pretty(&distill_lab::method::catalogue())
                .map_err(|e| err!("{e}"))?;
            println!("{text}");
            Ok(())
        }
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
        false => teachers_for(&a.teacher, &data, config.method.needs().teachers)?,
    };
    let mut run = distill_lab::train::Run::with_teachers(config, data, teachers, &device)?;
    // The first --teacher is the teacher's network too when it is a weight file.
    let first_is_weights = a
        .teacher
        .first()
        .is_some_and(|p| read(p).is_ok_and(|b| file_format(&b).as_deref() == Some(WEIGHTS_FORMAT)));
    let weights = a.teacher_weights.clone().or_else(|| {
        if first_is_weights {
            return a.teacher.first().cloned();
        }
        let first = a.teacher.first()?.to_str()?;
        Some(PathBuf::from(format!(
            "{}.safetensors",
            first.strip_suffix(".logits.safetensors")?
        )))
    });
    attach_teacher_net_from(&mut run, weights.as_deref())?;
    let summary = run_loop::run_to_end(&mut run, backend)?;
    if let Some(path) = a.int8 {
        let q = block_on(run.quantize(run.config().params.num("bits") as u32))?;
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
    attach_teacher_net_from(run, None)
}

/// Loads the teacher network of weight file `path` (default: the bundled teacher,
/// `www/models/<dataset>-teacher.safetensors`) onto the run's device when its method needs
/// features.
pub fn attach_teacher_net_from(
    run: &mut distill_lab::train::Run,
    path: Option<&std::path::Path>,
) -> Result<()> {
    if !run.config().method.needs().teacher_net || !run.has_teacher() {
        return Ok(());
    }
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(format!(
            "www/models/{}-teacher.safetensors",
            run.dataset_name()
        )),
    };
    let bytes = read(&path)?;
    run.load_teacher_net(&path.display().to_string(), &bytes)
}
