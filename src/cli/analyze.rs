//! `analyze similarity` and `evaluate`: the page's teaching views, natively.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use distill_lab::analysis::{compare, similarity};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::Dataset;
use distill_lab::model::{file_format, load_weights, QuantNet, TeacherLogits, INT8_FORMAT};
use distill_lab::train::predict;
use distill_lab::{err, Result};
use serde_json::json;

use super::{data_source, read, teachers_for};

/// Where the data and the teacher come from.
#[derive(Args)]
pub struct Source {
    /// Dataset: mnist, fashion, or path:DIR (a folder of your own, as --data DIR).
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// A folder of your own data (IDX files as MNIST's, 2 to 62 classes; see distill --help).
    #[arg(long, value_name = "DIR", conflicts_with = "dataset")]
    data: Option<PathBuf>,
    /// Folder holding the dataset folders (mnist/, fashion-mnist/).
    #[arg(long, default_value = "www/data")]
    data_dir: PathBuf,
    /// Teacher logits file (default: www/models/<dataset>-teacher.logits.safetensors).
    #[arg(long)]
    teacher: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

impl Source {
    fn load(&self) -> Result<(Dataset, TeacherLogits)> {
        let data = data_source(&self.dataset, &self.data)?.load(&self.data_dir)?;
        let paths: Vec<PathBuf> = self.teacher.iter().cloned().collect();
        let logits = teachers_for(&paths, &data, 1)?.remove(0);
        logits.check_matches(&data)?;
        Ok((data, Arc::unwrap_or_clone(logits)))
    }
}

#[derive(Subcommand)]
pub enum Analysis {
    /// The dark-knowledge matrix: the teacher's mean soft label per true class (test set).
    Similarity {
        #[command(flatten)]
        source: Source,
        /// Temperature τ, in [0.05, 100].
        #[arg(long, default_value_t = 4.0)]
        tau: f32,
    },
}

#[derive(Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    source: Source,
    /// Student weights (safetensors, e.g. exported from the page; float or integer).
    #[arg(long)]
    weights: PathBuf,
}

pub fn analyze(a: Analysis) -> Result<()> {
    match a {
        Analysis::Similarity { source, tau } => {
            if !(0.05..=100.0).contains(&tau) {
                return Err(err!("--tau {tau}: expected a value in [0.05, 100]"));
            }
            let (data, logits) = source.load()?;
            let s = similarity(&logits.test, &data.test.labels, tau, 3)?;
            let top = &s.pairs[..s.pairs.len().min(5)];
            if source.json {
                println!(
                    "{}",
                    json!({"dataset": data.name, "tau": tau, "classes": data.class_names,
                    "matrix": s.matrix, "pairs": top, "counts": s.counts})
                );
                return Ok(());
            }
            let names = &data.class_names;
            let k = data.classes();
            println!(
                "Mean soft label of the teacher per true class (rows), {} test set, τ = {tau}",
                data.name
            );
            print!("{:>12}", "");
            for j in 0..k {
                print!("{j:>8}");
            }
            println!();
            for (i, row) in s.matrix.chunks_exact(k).enumerate() {
                let label = match names[i] == i.to_string() {
                    true => i.to_string(),
                    false => format!("{i} {}", abbreviate(&names[i])),
                };
                print!("{label:>12}");
                for v in row {
                    print!("{v:>8.4}");
                }
                println!();
            }
            println!("Most similar pairs:");
            for p in top {
                println!("  {} ↔ {}  {:.4}", names[p.a], names[p.b], p.score);
            }
            Ok(())
        }
    }
}

fn abbreviate(name: &str) -> String {
    name.chars().take(9).collect()
}

/// Loads student weights and reports them against the labels and the teacher.
pub fn evaluate(a: EvaluateArgs) -> Result<()> {
    let (data, logits) = a.source.load()?;
    let device = cpu_device();
    let file = a.weights.display().to_string();
    let bytes = read(&a.weights)?;
    // An integer network (exported after quantization) or float weights.
    let (spec, bits, student) = match file_format(&bytes).as_deref() {
        Some(INT8_FORMAT) => {
            let q = QuantNet::from_bytes(&file, &bytes)?;
            (
                q.spec().clone(),
                Some(q.bits()),
                q.logits(&data.test.images),
            )
        }
        _ => {
            let (spec, net, _) = load_weights(&file, &bytes, None, &device)?;
            let logits = block_on(predict(&net, &data.test.images, &device))?;
            (spec, None, logits)
        }
    };
    if student.len() != data.test.len() * data.classes() {
        return Err(err!(
            "{file}: a network of {} classes, but the {} dataset has {}",
            student.len() / data.test.len().max(1),
            data.name,
            data.classes()
        ));
    }
    let report = compare(&student, &logits.test, &data.test.labels);
    if a.source.json {
        println!(
            "{}",
            json!({"spec": spec.to_string(), "bits": bits, "report": report})
        );
    } else {
        let kind = bits.map(|b| format!(" (int{b})")).unwrap_or_default();
        println!(
            "{spec}{kind}: test accuracy {:.2} % ({} errors of {}), agreement with the teacher {:.2} %, \
             mean KL(teacher ‖ student) {:.4}, ECE {:.4}",
            100.0 * report.test_accuracy,
            report.test_errors,
            data.test.len(),
            100.0 * report.agreement,
            report.mean_kl,
            report.ece
        );
    }
    Ok(())
}
