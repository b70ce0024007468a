//! `experiment methods`: every distillation method on the same student and budget, several
//! seeds, mean ± std; printed as a table and saved as JSON under `results/`. The chains of
//! students (born-again, teacher assistant) are in [`chains`], quantization in [`quant`],
//! pruning for deployment in [`deploy`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Subcommand};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::{Dataset, DatasetKind};
use distill_lab::distill::Ramp;
use distill_lab::model::TeacherLogits;
use distill_lab::train::{Method, Run, TrainConfig};
use distill_lab::{err, Result};
use serde_json::json;

mod chains;
mod deploy;
mod quant;

use chains::{born_again_table, ta_chain_table, BornAgainArgs, TaChainArgs};
use deploy::{deploy_table, DeployArgs};
use quant::{qat_table, QatArgs};

use super::{attach_teacher_net, load_teachers};

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
}

/// One row of the table: a label, the config changes, and whether it learns from teachers.
struct Row {
    label: &'static str,
    config: TrainConfig,
    teachers: Vec<Arc<TeacherLogits>>,
}

fn rows(a: &MethodsArgs, base: &TrainConfig) -> Result<Vec<Row>> {
    let one = load_teachers(&[], &a.dataset, Method::Hinton)?;
    let with = |label, config: TrainConfig, teachers: &Vec<Arc<TeacherLogits>>| Row {
        label,
        config,
        teachers: teachers.clone(),
    };
    let mut out = vec![
        with("hard labels (no teacher)", base.clone(), &Vec::new()),
        with("Hinton KD", base.clone(), &one),
        with(
            "Hinton KD, τ cosine 8 → 2",
            TrainConfig {
                ramp: Ramp::Cosine,
                tau: 8.0,
                tau_end: Some(2.0),
                ..base.clone()
            },
            &one,
        ),
        with(
            "Hinton KD, entropy-matched τ (1.5 bits)",
            TrainConfig {
                target_entropy: Some(1.5),
                ..base.clone()
            },
            &one,
        ),
        with(
            "DKD (α_dkd 1, β_dkd 8)",
            TrainConfig {
                method: Method::Dkd,
                ..base.clone()
            },
            &one,
        ),
        with(
            "FitNets hint + KD, joint",
            TrainConfig {
                method: Method::Fitnets,
                ..base.clone()
            },
            &one,
        ),
        with(
            "FitNets, two stages (hint, then KD)",
            TrainConfig {
                method: Method::FitnetsTwoStage,
                ..base.clone()
            },
            &one,
        ),
        with(
            "RKD (distance + angle) + CE",
            TrainConfig {
                method: Method::Rkd,
                ..base.clone()
            },
            &one,
        ),
        with(
            "quantization-aware KD (int8, fake-quantized)",
            TrainConfig {
                method: Method::Qat,
                ..base.clone()
            },
            &one,
        ),
    ];
    match load_teachers(&[], &a.dataset, Method::MultiAverage) {
        Ok(two) => {
            out.push(with(
                "multi-teacher, average (CNN + MLP)",
                TrainConfig {
                    method: Method::MultiAverage,
                    ..base.clone()
                },
                &two,
            ));
            out.push(with(
                "multi-teacher, confidence-weighted",
                TrainConfig {
                    method: Method::MultiConfidence,
                    ..base.clone()
                },
                &two,
            ));
        }
        Err(e) => eprintln!("multi-teacher rows skipped: {e}"),
    }
    Ok(out)
}

pub(super) fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

fn commit() -> String {
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
    Ok(())
}

fn methods(a: MethodsArgs) -> Result<()> {
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(&a)?;
    let device = cpu_device();
    let mut results = Vec::new();
    println!(
        "{} · student {} · {} epochs on {} examples · α {} · τ {} · seeds 1..={}",
        kind.name(),
        a.student,
        a.epochs,
        if a.train_limit == 0 {
            data.train.len()
        } else {
            a.train_limit.min(data.train.len())
        },
        a.alpha,
        a.tau,
        a.seeds
    );
    println!(
        "{:<46} {:>18} {:>16} {:>9}",
        "method", "test accuracy %", "test errors", "s/run"
    );
    for row in rows(&a, &base)? {
        let (mut accs, mut errs, mut secs) = (Vec::new(), Vec::new(), Vec::new());
        for seed in 1..=a.seeds {
            let config = TrainConfig {
                seed,
                ..row.config.clone()
            };
            let t0 = Instant::now();
            let mut run = Run::with_teachers(config, data.clone(), row.teachers.clone(), &device)?;
            attach_teacher_net(&mut run)?;
            let report = block_on(run.train_steps(run.total_steps()))?;
            if let Some(msg) = report.nan_paused {
                return Err(err!("{} (seed {seed}): {msg}", row.label));
            }
            let eval = block_on(run.evaluate())?;
            accs.push(100.0 * eval.test_accuracy);
            errs.push(eval.test_errors as f64);
            secs.push(t0.elapsed().as_secs_f64());
        }
        let ((am, asd), (em, esd), (sm, _)) = (mean_std(&accs), mean_std(&errs), mean_std(&secs));
        println!(
            "{:<46} {:>10.2} ± {:<5.2} {:>8.0} ± {:<5.0} {:>9.1}",
            row.label, am, asd, em, esd, sm
        );
        results.push(json!({
            "method": row.label, "config": row.config, "teachers": row.teachers.len(),
            "testAccuracy": accs, "testErrors": errs, "seconds": secs,
            "meanAccuracy": am, "stdAccuracy": asd, "meanErrors": em, "stdErrors": esd,
        }));
    }
    write_results(&a, kind, "methods", started, results)
}
