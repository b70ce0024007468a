//! Sweeps that test claims: `experiment capacity` (the popular capacity "law": student width
//! against the share of the teacher's accuracy it keeps, with a least-squares logistic fit) and
//! `experiment temperature` (Hinton's temperature × width observation).

use std::sync::Arc;

use clap::Args;
use distill_lab::analysis::{fit_logistic, logistic};
use distill_lab::backend::block_on;
use distill_lab::model::ModelSpec;
use distill_lab::train::TrainConfig;
use distill_lab::{err, Result};
use serde_json::json;

use super::quant::train;
use super::{mean_std, setup, write_results, MethodsArgs, Setup};
use crate::cli::load_teachers;

/// "the first N" or "all" training examples, for the table headers.
fn examples(limit: usize) -> String {
    match limit {
        0 => "all".into(),
        n => format!("the first {n}"),
    }
}

fn list<T: std::str::FromStr>(flag: &str, text: &str) -> Result<Vec<T>> {
    text.split(',')
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| err!("--{flag} '{v}': not a number"))
        })
        .collect()
}

#[derive(Args)]
pub struct CapacityArgs {
    /// Hidden widths of the one-hidden-layer students, comma-separated.
    #[arg(long, default_value = "1,2,4,8,16,32,64,128,256,512,1024")]
    widths: String,
    #[command(flatten)]
    common: MethodsArgs,
}

/// `experiment capacity`: one-hidden-layer students of each width distilled from the teacher;
/// capacity = parameter count, `C_S/C_T` against `Acc_S/Acc_T`, and the logistic fitted to them.
pub fn capacity_table(c: CapacityArgs) -> Result<()> {
    let a = &c.common;
    let widths: Vec<usize> = list("widths", &c.widths)?;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    let teacher = load_teachers(&[], &a.dataset, 1)?.remove(0);
    let teacher_spec = ModelSpec::parse(
        teacher
            .meta
            .get("teacher")
            .ok_or_else(|| err!("the teacher's logits do not name its architecture"))?,
    )?;
    let teacher_params = teacher_spec.num_params(data.classes()) as f64;
    let (teacher_acc, _) = teacher.test_accuracy(&data.test.labels);
    println!(
        "{} · teacher {teacher_spec} ({teacher_params} parameters, {:.2} %) · {} epochs on {} training examples · seeds 1..={}",
        kind.name(),
        100.0 * teacher_acc,
        a.epochs,
        examples(a.train_limit),
        a.seeds
    );
    println!(
        "{:>7} {:>10} {:>9} {:>16} {:>16}",
        "width", "params", "C_S/C_T", "test accuracy %", "Acc_S/Acc_T"
    );
    let mut rows = Vec::new();
    let mut points = Vec::new();
    for w in widths {
        let student = format!("mlp:{w}");
        let params = ModelSpec::parse(&student)?.num_params(data.classes()) as f64;
        let mut accs = Vec::new();
        for seed in 1..=a.seeds {
            let config = TrainConfig {
                student: student.clone(),
                seed,
                ..base.clone()
            };
            let run = train(config, &data, Some(Arc::clone(&teacher)))?;
            accs.push(block_on(run.evaluate())?.test_accuracy);
        }
        let ratio = params / teacher_params;
        for acc in &accs {
            points.push((ratio, acc / teacher_acc));
        }
        let (m, s) = mean_std(&accs);
        println!(
            "{w:>7} {params:>10} {ratio:>9.4} {:>9.2} ± {:<4.2} {:>9.4} ± {:<5.4}",
            100.0 * m,
            100.0 * s,
            m / teacher_acc,
            s / teacher_acc
        );
        rows.push(json!({
            "width": w, "student": student, "parameters": params, "capacityRatio": ratio,
            "testAccuracy": accs, "meanAccuracy": m, "stdAccuracy": s,
            "accuracyRatio": m / teacher_acc,
        }));
    }
    let fit = fit_logistic(&points)?;
    println!(
        "fit over {} runs: k = {:.3}, θ = {:.4}, R² = {:.3}; at C_S/C_T = 0.3 the curve says {:.3}",
        points.len(),
        fit.k,
        fit.theta,
        fit.r2,
        logistic(0.3, fit.k, fit.theta)
    );
    rows.push(json!({
        "fit": fit, "points": points, "teacherParameters": teacher_params,
        "teacherAccuracy": teacher_acc, "curveAt30Percent": logistic(0.3, fit.k, fit.theta),
    }));
    write_results(a, kind, "capacity", started, rows)
}

#[derive(Args)]
pub struct TemperatureArgs {
    /// Units per hidden layer of the two-hidden-layer students, comma-separated.
    #[arg(long, default_value = "10,30,100,300")]
    widths: String,
    /// Temperatures, comma-separated.
    #[arg(long, default_value = "1,2,2.5,4,8,20")]
    temperatures: String,
    #[command(flatten)]
    common: MethodsArgs,
}

/// `experiment temperature`: test errors of `mlp:W,W` students distilled at each τ (α = the
/// common α), a width × temperature grid of mean ± std.
pub fn temperature_table(t: TemperatureArgs) -> Result<()> {
    let a = &t.common;
    let widths: Vec<usize> = list("widths", &t.widths)?;
    let taus: Vec<f32> = list("temperatures", &t.temperatures)?;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    let teacher = load_teachers(&[], &a.dataset, 1)?.remove(0);
    println!(
        "{} · students mlp:W,W · {} epochs on {} training examples · α {} · seeds 1..={} · test errors",
        kind.name(),
        a.epochs,
        examples(a.train_limit),
        a.alpha,
        a.seeds
    );
    print!("{:>8}", "W \\ τ");
    for tau in &taus {
        print!(" {tau:>13}");
    }
    println!();
    let mut rows = Vec::new();
    for w in widths {
        print!("{w:>8}");
        for &tau in &taus {
            let mut errs = Vec::new();
            for seed in 1..=a.seeds {
                let config = TrainConfig {
                    student: format!("mlp:{w},{w}"),
                    tau,
                    seed,
                    ..base.clone()
                };
                config.validate()?;
                let run = train(config, &data, Some(Arc::clone(&teacher)))?;
                errs.push(block_on(run.evaluate())?.test_errors as f64);
            }
            let (m, s) = mean_std(&errs);
            print!(" {m:>7.0} ± {s:<3.0}");
            rows.push(json!({
                "width": w, "tau": tau, "testErrors": errs, "meanErrors": m, "stdErrors": s,
            }));
        }
        println!();
    }
    write_results(a, kind, "temperature", started, rows)
}

#[derive(Args)]
pub struct HintonArgs {
    /// The teacher: a logits file stem under www/models (Hinton's 784-1200-1200-10 with dropout
    /// and jitter is `mnist-mlp-teacher`).
    #[arg(long, default_value = "mnist-mlp-teacher")]
    teacher: String,
    #[command(flatten)]
    common: MethodsArgs,
}

/// `experiment hinton`: Hinton, Vinyals & Dean (2015) §3 on MNIST — the teacher's test errors,
/// the student on hard labels, the same student on the teacher's soft targets, and the share of
/// the student–teacher gap distillation closes.
pub fn hinton_table(h: HintonArgs) -> Result<()> {
    let a = &h.common;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    let path = format!("www/models/{}.logits.safetensors", h.teacher);
    let teacher = Arc::new(distill_lab::model::load_logits(
        &path,
        &crate::cli::read(std::path::Path::new(&path))?,
    )?);
    teacher.check_matches(&data)?;
    let (_, teacher_errors) = teacher.test_accuracy(&data.test.labels);
    println!(
        "{} · teacher {} ({teacher_errors} test errors) · student {} · {} epochs · τ {} · α {} · seeds 1..={}",
        kind.name(),
        h.teacher,
        a.student,
        a.epochs,
        a.tau,
        a.alpha,
        a.seeds
    );
    let mut rows = vec![
        json!({"student": "teacher", "testErrors": [teacher_errors as f64],
        "meanErrors": teacher_errors as f64, "stdErrors": 0.0}),
    ];
    let mut means = Vec::new();
    for (label, soft) in [("hard labels", false), ("soft targets", true)] {
        let mut errs = Vec::new();
        for seed in 1..=a.seeds {
            let config = TrainConfig {
                seed,
                ..base.clone()
            };
            let run = train(config, &data, soft.then(|| Arc::clone(&teacher)))?;
            errs.push(block_on(run.evaluate())?.test_errors as f64);
        }
        let (m, s) = mean_std(&errs);
        println!("{label:<14} {m:>7.1} ± {s:<5.1} test errors");
        means.push(m);
        rows.push(json!({"student": label, "testErrors": errs, "meanErrors": m, "stdErrors": s}));
    }
    let closed = (means[0] - means[1]) / (means[0] - teacher_errors as f64);
    println!(
        "distillation closes {:.0} % of the student–teacher gap",
        100.0 * closed
    );
    rows.push(json!({"gapClosed": closed}));
    write_results(a, kind, "hinton", started, rows)
}
