//! Sweeps that test claims: `experiment capacity` (the popular capacity "law": student width
//! against the share of the teacher's accuracy it keeps, with a least-squares logistic fit) and
//! `experiment temperature` (Hinton's temperature × width observation).

use std::sync::Arc;

use clap::Args;
use distill_lab::analysis::{fit_logistic, logistic};
use distill_lab::backend::block_on;
use distill_lab::model::{ModelSpec, TeacherLogits};
use distill_lab::train::TrainConfig;
use distill_lab::{err, Result};
use serde_json::{json, Value};

use super::runner::{column, Outcome, Plan, Planned};
use super::training::train;
use super::{list, mean_std, setup, teacher, MethodsArgs, Setup};

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
/// One job per width.
pub(super) fn capacity_plan(c: CapacityArgs) -> Result<Planned> {
    let widths: Vec<usize> = list("widths", &c.widths)?;
    let s = setup(&c.common)?;
    let teacher = teacher(&c.common)?;
    let teacher_spec = ModelSpec::parse(
        teacher
            .meta
            .get("teacher")
            .ok_or_else(|| err!("the teacher's logits do not name its architecture"))?,
    )?;
    let classes = s.data.classes();
    let teacher_params = teacher_spec.num_params(classes) as f64;
    let (teacher_acc, _) = teacher.test_accuracy(&s.data.test.labels);
    let about = format!(
        "students mlp:W · teacher {teacher_spec} ({teacher_params} parameters, {:.2} %)",
        100.0 * teacher_acc
    );
    let capacity = Capacity {
        widths,
        classes,
        teacher,
        teacher_params,
        teacher_acc,
    };
    Planned::new(c.common, s, "capacity", about, capacity)
}

struct Capacity {
    widths: Vec<usize>,
    classes: usize,
    teacher: Arc<TeacherLogits>,
    teacher_params: f64,
    teacher_acc: f64,
}

impl Plan for Capacity {
    fn jobs(&self) -> Vec<String> {
        self.widths.iter().map(|w| format!("mlp:{w}")).collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let config = TrainConfig {
            student: format!("mlp:{}", self.widths[job]),
            ..s.seeded(seed)
        };
        let run = train(config, &s.data, Some(Arc::clone(&self.teacher)))?;
        Ok(json!({ "testAccuracy": block_on(run.evaluate())?.test_accuracy }))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        let (teacher_params, teacher_acc) = (self.teacher_params, self.teacher_acc);
        println!(
            "{:>7} {:>10} {:>9} {:>16} {:>16}",
            "width", "params", "C_S/C_T", "test accuracy %", "Acc_S/Acc_T"
        );
        let mut rows = Vec::new();
        let mut points = Vec::new();
        for (&w, outcomes) in self.widths.iter().zip(done) {
            let student = format!("mlp:{w}");
            let params = ModelSpec::parse(&student)?.num_params(self.classes) as f64;
            let accs = column(outcomes, "testAccuracy")?;
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
        Ok(rows)
    }
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
/// common α), a width × temperature grid of mean ± std; one job per (width, τ).
pub(super) fn temperature_plan(t: TemperatureArgs) -> Result<Planned> {
    let widths: Vec<usize> = list("widths", &t.widths)?;
    let taus: Vec<f32> = list("temperatures", &t.temperatures)?;
    let s = setup(&t.common)?;
    let grid: Vec<(usize, f32)> = widths
        .iter()
        .flat_map(|&w| taus.iter().map(move |&tau| (w, tau)))
        .collect();
    for &(w, tau) in &grid {
        student(&s, w, tau, 1).validate()?;
    }
    let teacher = teacher(&t.common)?;
    let about = "students mlp:W,W at each τ of the grid · test errors".to_string();
    Planned::new(
        t.common,
        s,
        "temperature",
        about,
        Temperature { grid, teacher },
    )
}

struct Temperature {
    grid: Vec<(usize, f32)>,
    teacher: Arc<TeacherLogits>,
}

/// The `mlp:W,W` student distilled at `tau` with `seed`.
fn student(s: &Setup, w: usize, tau: f32, seed: u64) -> TrainConfig {
    TrainConfig {
        student: format!("mlp:{w},{w}"),
        tau,
        ..s.seeded(seed)
    }
}

impl Plan for Temperature {
    fn jobs(&self) -> Vec<String> {
        let key = |&(w, tau): &(usize, f32)| format!("mlp:{w},{w} τ {tau}");
        self.grid.iter().map(key).collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let (w, tau) = self.grid[job];
        let run = train(
            student(s, w, tau, seed),
            &s.data,
            Some(Arc::clone(&self.teacher)),
        )?;
        Ok(json!({ "testErrors": block_on(run.evaluate())?.test_errors as f64 }))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        print!("{:>8}", "W \\ τ");
        let first = self.grid.first().map(|g| g.0);
        for (_, tau) in self.grid.iter().take_while(|g| Some(g.0) == first) {
            print!(" {tau:>13}");
        }
        let mut rows = Vec::new();
        let mut width = None;
        for (&(w, tau), outcomes) in self.grid.iter().zip(done) {
            if width != Some(w) {
                print!("\n{w:>8}");
                width = Some(w);
            }
            let errs = column(outcomes, "testErrors")?;
            let (m, s) = mean_std(&errs);
            print!(" {m:>7.0} ± {s:<3.0}");
            rows.push(json!({
                "width": w, "tau": tau, "testErrors": errs, "meanErrors": m, "stdErrors": s,
            }));
        }
        println!();
        Ok(rows)
    }
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
/// the student on hard labels, the same student on the teacher's soft targets (the two jobs),
/// and the share of the student–teacher gap distillation closes.
pub(super) fn hinton_plan(h: HintonArgs) -> Result<Planned> {
    let s = setup(&h.common)?;
    let path = format!("www/models/{}.logits.safetensors", h.teacher);
    let teacher = Arc::new(distill_lab::model::load_logits(
        &path,
        &crate::cli::read(std::path::Path::new(&path))?,
    )?);
    teacher.check_matches(&s.data)?;
    let (_, teacher_errors) = teacher.test_accuracy(&s.data.test.labels);
    let about = format!(
        "teacher {} ({teacher_errors} test errors) · student {}",
        h.teacher, h.common.student
    );
    let hinton = Hinton {
        teacher,
        teacher_errors,
    };
    Planned::new(h.common, s, "hinton", about, hinton)
}

struct Hinton {
    teacher: Arc<TeacherLogits>,
    teacher_errors: usize,
}

/// The students: on the hard labels, on the soft targets.
const STUDENTS: [&str; 2] = ["hard labels", "soft targets"];

impl Plan for Hinton {
    fn jobs(&self) -> Vec<String> {
        STUDENTS.iter().map(|s| s.to_string()).collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let soft = (job == 1).then(|| Arc::clone(&self.teacher));
        let run = train(s.seeded(seed), &s.data, soft)?;
        Ok(json!({ "testErrors": block_on(run.evaluate())?.test_errors as f64 }))
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        let teacher_errors = self.teacher_errors as f64;
        let mut rows = vec![json!({"student": "teacher", "testErrors": [teacher_errors],
            "meanErrors": teacher_errors, "stdErrors": 0.0})];
        let mut means = Vec::new();
        for (label, outcomes) in STUDENTS.iter().zip(done) {
            let errs = column(outcomes, "testErrors")?;
            let (m, s) = mean_std(&errs);
            println!("{label:<14} {m:>7.1} ± {s:<5.1} test errors");
            means.push(m);
            rows.push(
                json!({"student": label, "testErrors": errs, "meanErrors": m, "stdErrors": s}),
            );
        }
        let closed = (means[0] - means[1]) / (means[0] - teacher_errors);
        println!(
            "distillation closes {:.0} % of the student–teacher gap",
            100.0 * closed
        );
        rows.push(json!({"gapClosed": closed}));
        Ok(rows)
    }
}
