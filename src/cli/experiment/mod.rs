//! `experiment …`: reproducible comparisons over several seeds (mean ± std), printed as a table
//! and saved as JSON under `results/`. Every command is a [`runner::Plan`]: a grid of jobs ×
//! seeds that [`runner`] runs (all of it, or one `--shard i/n`), and a table built from the
//! per-seed outcomes; [`merge`] joins the partial files of a sharded run. The methods table is in
//! [`methods`], the chains of students in [`chains`], quantization in [`quant`], pruning for
//! deployment in [`deploy`], the classic sweeps in [`sweeps`] and [`missing`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Subcommand};
use distill_lab::data::{Dataset, DatasetKind};
use distill_lab::model::TeacherLogits;
use distill_lab::train::TrainConfig;
use distill_lab::{err, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod chains;
mod deploy;
mod merge;
mod methods;
mod missing;
mod quant;
mod runner;
mod sweeps;
mod training;

use chains::{BornAgainArgs, TaChainArgs};
use deploy::DeployArgs;
use merge::MergeArgs;
use missing::MissingArgs;
use quant::QatArgs;
use runner::{Planned, Shard};
use sweeps::{CapacityArgs, HintonArgs, TemperatureArgs};

use crate::cli::bundled_teachers;

#[derive(Subcommand)]
pub enum Experiment {
    /// Compare the distillation methods (and the hard-label baseline) on one student.
    Methods(MethodsArgs),
    /// Self-distillation: born-again generations of one student, each taught by the previous.
    BornAgain(BornAgainArgs),
    /// Teacher → assistant → small student versus teacher → small student directly.
    TaChain(TaChainArgs),
    /// Quantization-aware distillation versus post-training quantization, with and without KD.
    Qat(QatArgs),
    /// Deployment: pruning (unstructured, per neuron) with KD fine-tuning, and int8; size,
    /// sparsity, accuracy and CPU speed.
    Deploy(DeployArgs),
    /// Hinton et al. 2015 §3: transfer sets without the 3s (or with only 7s and 8s), then the
    /// missing classes' bias raised by an amount chosen on held-out training examples.
    Missing3(MissingArgs),
    /// The capacity "law": student width against the share of the teacher's accuracy it keeps,
    /// with a least-squares logistic fit, R² and residuals.
    Capacity(CapacityArgs),
    /// Hinton's temperature × width observation: test errors over a grid of τ and widths.
    Temperature(TemperatureArgs),
    /// Hinton, Vinyals & Dean 2015 §3 (MNIST): teacher, student on hard labels, student on soft
    /// targets, mean ± std over seeds.
    Hinton(HintonArgs),
    /// Joins the partial files of a sharded run (`--shard i/n`, every i from 1 to n) into the
    /// results file one process would have written.
    Merge(MergeArgs),
}

#[derive(Args)]
pub struct MethodsArgs {
    /// Dataset: mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Folder holding the dataset folders.
    #[arg(long, default_value = "www/data")]
    data_dir: PathBuf,
    /// Seeds 1..=N (initial weights and batch order).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// The student, the same for every method.
    #[arg(long, default_value = "mlp:128")]
    student: String,
    /// Passes over the training examples.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Training examples (the first N; 0 = all). Few labelled examples, many passes: the regime
    /// where soft labels matter.
    #[arg(long, default_value_t = 5000)]
    train_limit: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Hard-label weight α of every method.
    #[arg(long, default_value_t = 0.5)]
    alpha: f32,
    /// Temperature τ of every method (the start of the τ ramp).
    #[arg(long, default_value_t = 4.0)]
    tau: f32,
    /// Output folder of the JSON results.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// `experiment methods` only: the rows to run, by key (e.g. hard,hinton,fsp); default all
    /// that fit the student.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Run only shard i of n (1-based, e.g. 2/8) of the rows × seeds grid, round-robin, and write
    /// `<out>/shards/<name>-<dataset>.shard-i-of-n.json` for `experiment merge`.
    #[arg(long, value_parser = Shard::parse)]
    shard: Option<Shard>,
}

pub(super) fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

pub(super) fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The plan of an experiment command: its setup done and its banner printed.
fn plan(e: Experiment) -> Result<Planned> {
    match e {
        Experiment::Methods(a) => methods::plan(a),
        Experiment::BornAgain(b) => chains::born_again_plan(b),
        Experiment::TaChain(t) => chains::ta_chain_plan(t),
        Experiment::Qat(q) => quant::plan(q),
        Experiment::Deploy(d) => deploy::plan(d),
        Experiment::Missing3(m) => missing::plan(m),
        Experiment::Capacity(c) => sweeps::capacity_plan(c),
        Experiment::Temperature(t) => sweeps::temperature_plan(t),
        Experiment::Hinton(h) => sweeps::hinton_plan(h),
        Experiment::Merge(_) => Err(err!("merge is not an experiment that runs units")),
    }
}

pub fn run(e: Experiment) -> Result<()> {
    match e {
        Experiment::Merge(m) => merge::merge(m),
        e => runner::run(plan(e)?),
    }
}

/// The bundled teacher of `a`'s dataset (its logits), for the experiments with one teacher.
pub(super) fn teacher(a: &MethodsArgs) -> Result<Arc<TeacherLogits>> {
    Ok(bundled_teachers(&a.dataset, 1)?.remove(0))
}

/// A comma-separated `--flag` value, parsed.
pub(super) fn list<T: std::str::FromStr>(flag: &str, text: &str) -> Result<Vec<T>> {
    let parse = |v: &str| {
        v.trim()
            .parse()
            .map_err(|_| err!("--{flag} '{v}': not a number"))
    };
    text.split(',').map(parse).collect()
}

/// What every experiment starts from: the clock, the dataset and the shared settings.
pub(super) struct Setup {
    pub started: Instant,
    pub kind: DatasetKind,
    pub data: Arc<Dataset>,
    pub base: TrainConfig,
}

/// Checks the seed count, loads the dataset and builds the settings every run shares.
pub(super) fn setup(a: &MethodsArgs) -> Result<Setup> {
    if a.seeds == 0 || a.seeds > 20 {
        return Err(err!("--seeds {}: expected 1..=20", a.seeds));
    }
    let started = Instant::now();
    let base = TrainConfig {
        student: a.student.clone(),
        epochs: a.epochs,
        train_limit: a.train_limit,
        batch_size: a.batch_size,
        lr: a.lr,
        alpha: a.alpha,
        tau: a.tau,
        eval_every: 0,
        ..TrainConfig::default()
    };
    base.validate()?;
    let kind = DatasetKind::parse(&a.dataset)?;
    let data = Arc::new(Dataset::load(kind, &a.data_dir)?);
    Ok(Setup {
        started,
        kind,
        data,
        base,
    })
}

impl Setup {
    /// The shared settings with `seed`.
    pub fn seeded(&self, seed: u64) -> TrainConfig {
        TrainConfig {
            seed,
            ..self.base.clone()
        }
    }
}

/// The header of a results file: what ran, where, on which commit, and for how long.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(super) struct Header {
    /// The file's stem before the dataset, e.g. `methods` or `methods-cnn-32-64-32`.
    pub experiment: String,
    pub dataset: String,
    /// `distill-lab experiment …` as typed (without `--shard`).
    pub command: String,
    pub commit: String,
    pub machine: String,
    pub backend: String,
    /// From the setup to the end of the last unit (a merged file: the shards' sum).
    pub wall_seconds: f64,
}

impl Header {
    /// The header of this process's run of `experiment` on `kind`, started at `started`.
    pub fn here(experiment: String, kind: DatasetKind, started: Instant) -> Self {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Header {
            experiment,
            dataset: kind.name().into(),
            command: format!("distill-lab {}", runner::argv().join(" ")),
            commit: commit(),
            machine: format!("{cpus} CPUs ({})", std::env::consts::ARCH),
            backend: "cpu".into(),
            wall_seconds: started.elapsed().as_secs_f64(),
        }
    }

    /// `<dir>/<experiment>-<dataset><suffix>.json`.
    pub fn path(&self, dir: &Path, suffix: &str) -> PathBuf {
        dir.join(format!("{}-{}{suffix}.json", self.experiment, self.dataset))
    }
}

/// Writes `doc` as pretty JSON to `path`, creating its folder.
pub(super) fn write_json(path: &Path, doc: &serde_json::Value) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_vec_pretty(doc).map_err(|e| err!("{e}"))?;
    std::fs::write(path, text).map_err(|e| err!("{}: {e}", path.display()))
}

/// Writes `<dir>/<experiment>-<dataset>.json` (the header's fields and `rows`), then the index.
pub(super) fn write_results(dir: &Path, h: &Header, rows: Vec<serde_json::Value>) -> Result<()> {
    let mut doc = serde_json::to_value(h).map_err(|e| err!("{e}"))?;
    doc["rows"] = rows.into();
    let path = h.path(dir, "");
    write_json(&path, &doc)?;
    println!("{:.0} s in all; wrote {}", h.wall_seconds, path.display());
    write_index(dir)
}

/// Rewrites `dir/index.json`: one entry per results file in `dir` (file, experiment, dataset,
/// command, commit, machine, wall time), sorted by file name, for the page's results view.
/// Partial files of sharded runs (they have a `shard`) are left out.
pub(super) fn write_index(dir: &std::path::Path) -> Result<()> {
    let mut entries = Vec::new();
    let listing = std::fs::read_dir(dir).map_err(|e| err!("{}: {e}", dir.display()))?;
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name == "index.json" {
            continue;
        }
        let Ok(bytes) = distill_lab::data::read_file(&entry.path(), 64 << 20) else {
            continue;
        };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        if doc.get("shard").is_some() {
            continue;
        }
        entries.push(json!({
            "file": name, "experiment": doc["experiment"], "dataset": doc["dataset"],
            "command": doc["command"], "commit": doc["commit"], "machine": doc["machine"],
            "wallSeconds": doc["wallSeconds"], "rows": doc["rows"].as_array().map_or(0, Vec::len),
        }));
    }
    entries.sort_by(|a, b| a["file"].as_str().cmp(&b["file"].as_str()));
    let path = dir.join("index.json");
    let text =
        serde_json::to_vec_pretty(&json!({ "results": entries })).map_err(|e| err!("{e}"))?;
    std::fs::write(&path, text).map_err(|e| err!("{}: {e}", path.display()))
}
