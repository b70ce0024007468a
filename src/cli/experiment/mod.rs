//! `experiment methods`: every distillation method on the same student and budget, several
//! seeds, mean ± std; printed as a table and saved as JSON under `results/`. The chains of
//! students (born-again, teacher assistant) are in [`chains`], quantization in [`quant`],
//! pruning for deployment in [`deploy`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Subcommand};
use distill_lab::data::{Dataset, DatasetKind};
use distill_lab::train::TrainConfig;
use distill_lab::{err, Result};
use serde_json::json;

mod chains;
mod deploy;
mod methods;
mod missing;
mod quant;
mod sweeps;

use chains::{born_again_table, ta_chain_table, BornAgainArgs, TaChainArgs};
use deploy::{deploy_table, DeployArgs};
use methods::methods;
use missing::{missing_table, MissingArgs};
use quant::{qat_table, QatArgs};
use sweeps::{
    capacity_table, hinton_table, temperature_table, CapacityArgs, HintonArgs, TemperatureArgs,
};

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

pub fn run(e: Experiment) -> Result<()> {
    match e {
        Experiment::Methods(a) => methods(a),
        Experiment::BornAgain(b) => born_again_table(b),
        Experiment::TaChain(t) => ta_chain_table(t),
        Experiment::Qat(q) => qat_table(q),
        Experiment::Deploy(d) => deploy_table(d),
        Experiment::Missing3(m) => missing_table(m),
        Experiment::Capacity(c) => capacity_table(c),
        Experiment::Temperature(t) => temperature_table(t),
        Experiment::Hinton(h) => hinton_table(h),
    }
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

pub(super) fn write_results(
    a: &MethodsArgs,
    kind: DatasetKind,
    name: &str,
    started: Instant,
    rows: Vec<serde_json::Value>,
) -> Result<()> {
    let wall = started.elapsed().as_secs_f64();
    std::fs::create_dir_all(&a.out).map_err(|e| err!("{}: {e}", a.out.display()))?;
    let path = a.out.join(format!("{name}-{}.json", kind.name()));
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let doc = json!({
        "experiment": name, "dataset": kind.name(),
        "command": format!("distill-lab {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        "commit": commit(), "machine": format!("{cpus} CPUs ({})", std::env::consts::ARCH),
        "backend": "cpu", "wallSeconds": wall, "rows": rows,
    });
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&doc).map_err(|e| err!("{e}"))?,
    )
    .map_err(|e| err!("{}: {e}", path.display()))?;
    println!("{wall:.0} s in all; wrote {}", path.display());
    write_index(&a.out)
}

/// Rewrites `dir/index.json`: one entry per results file in `dir` (file, experiment, dataset,
/// command, commit, machine, wall time), sorted by file name, for the page's results view.
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
