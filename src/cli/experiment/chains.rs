//! `experiment born-again` and `experiment ta-chain`: students teaching students.

use std::sync::Arc;

use clap::Args;
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::model::TeacherLogits;
use distill_lab::train::{born_again, teacher_assistant_chain, Generation};
use distill_lab::{err, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use super::runner::{Outcome, Plan, Planned};
use super::{mean_std, setup, teacher, MethodsArgs, Setup};

#[derive(Args)]
pub struct TaChainArgs {
    /// The assistant's architecture (between the teacher's size and the student's).
    #[arg(long, default_value = "mlp:256,256")]
    assistant: String,
    /// The small student (its architecture is --student).
    #[command(flatten)]
    common: MethodsArgs,
}

#[derive(Args)]
pub struct BornAgainArgs {
    /// Generations (generation 0 learns from the hard labels).
    #[arg(long, default_value_t = 4)]
    generations: usize,
    #[command(flatten)]
    common: MethodsArgs,
}

/// `experiment ta-chain`: jobs the direct chain and the one through the assistant.
pub(super) fn ta_chain_plan(t: TaChainArgs) -> Result<Planned> {
    let s = setup(&t.common)?;
    let teacher = teacher(&t.common)?;
    let student = t.common.student.clone();
    let chains = [
        ("teacher → student", vec![student.clone()]),
        (
            "teacher → assistant → student",
            vec![t.assistant.clone(), student.clone()],
        ),
    ];
    let about = format!("student {student} · assistant {}", t.assistant);
    Planned::new(t.common, s, "ta-chain", about, TaChain { teacher, chains })
}

struct TaChain {
    teacher: Arc<TeacherLogits>,
    chains: [(&'static str, Vec<String>); 2],
}

impl Plan for TaChain {
    fn jobs(&self) -> Vec<String> {
        self.chains.iter().map(|(l, _)| l.to_string()).collect()
    }

    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value> {
        let (chain, device) = (&self.chains[job].1, cpu_device());
        let (config, teacher) = (s.seeded(seed), self.teacher.clone());
        let gens = teacher_assistant_chain(config, s.data.clone(), teacher, chain, &device);
        errors_per_generation(&block_on(gens)?)
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        println!(
            "{:<32} {:>18} {:>18}",
            "chain", "student errors", "assistant errors"
        );
        let mut rows = Vec::new();
        for ((label, chain), outcomes) in self.chains.iter().zip(done) {
            let (mut student, mut assistant) = (Vec::new(), Vec::new());
            for gens in generations(outcomes)? {
                student.push(
                    *gens
                        .last()
                        .ok_or_else(|| err!("a chain without a student"))?,
                );
                if gens.len() > 1 {
                    assistant.push(gens[0]);
                }
            }
            let (sm, ssd) = mean_std(&student);
            let assistant_text = match assistant.is_empty() {
                true => "–".to_string(),
                false => {
                    let (m, sd) = mean_std(&assistant);
                    format!("{m:.0} ± {sd:.0}")
                }
            };
            println!(
                "{label:<32} {:>18} {assistant_text:>18}",
                format!("{sm:.0} ± {ssd:.0}")
            );
            rows.push(
                json!({"chain": label, "architectures": chain, "studentErrors": student,
                "assistantErrors": assistant, "meanStudentErrors": sm, "stdStudentErrors": ssd}),
            );
        }
        Ok(rows)
    }
}

/// A unit's result: the test errors of each generation (stage) of its chain.
fn errors_per_generation(gens: &[Generation]) -> Result<Value> {
    let errors: Vec<f64> = gens.iter().map(|g| g.test_errors as f64).collect();
    Ok(json!({ "testErrors": errors }))
}

/// Each seed's test errors per generation (stage) of its chain.
fn generations(outcomes: &[Outcome]) -> Result<Vec<Vec<f64>>> {
    outcomes
        .iter()
        .map(|o| o.parse::<Generations>().map(|g| g.test_errors))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Generations {
    test_errors: Vec<f64>,
}

/// `experiment born-again`: one job, every seed a chain of generations (seeds 100 × seed + k).
pub(super) fn born_again_plan(b: BornAgainArgs) -> Result<Planned> {
    if b.generations == 0 || b.generations > 10 {
        return Err(err!("--generations {}: expected 1..=10", b.generations));
    }
    let s = setup(&b.common)?;
    let about = format!("born-again generations of {}", b.common.student);
    Planned::new(b.common, s, "born-again", about, BornAgain(b.generations))
}

/// Born-again generations: how many.
struct BornAgain(usize);

impl Plan for BornAgain {
    fn jobs(&self) -> Vec<String> {
        vec![format!("{} generations", self.0)]
    }

    fn unit(&self, s: &Setup, _job: usize, seed: u64) -> Result<Value> {
        let progress = |g: &Generation| {
            let acc = 100.0 * g.test_accuracy;
            eprintln!("seed {seed} generation {}: {acc:.2} %", g.generation);
        };
        let (config, device) = (s.seeded(seed * 100), cpu_device());
        let gens = born_again(config, s.data.clone(), self.0, &device, progress);
        errors_per_generation(&block_on(gens)?)
    }

    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>> {
        let mut per_gen: Vec<Vec<f64>> = vec![Vec::new(); self.0];
        for gens in generations(&done[0])? {
            for (k, errors) in gens.into_iter().enumerate() {
                let more = || err!("a seed with more than {} generations", self.0);
                per_gen.get_mut(k).ok_or_else(more)?.push(errors);
            }
        }
        println!("{:<12} {:>16}", "generation", "test errors");
        let mut rows = Vec::new();
        for (k, errs) in per_gen.iter().enumerate() {
            let (m, sd) = mean_std(errs);
            println!("{k:<12} {m:>8.0} ± {sd:<5.0}");
            rows.push(
                json!({"generation": k, "testErrors": errs, "meanErrors": m, "stdErrors": sd}),
            );
        }
        Ok(rows)
    }
}
