//! `experiment born-again` and `experiment ta-chain`: students teaching students.

use clap::Args;
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::train::{born_again, teacher_assistant_chain, TrainConfig};
use distill_lab::{err, Result};
use serde_json::json;

use super::{mean_std, setup, write_results, MethodsArgs, Setup};
use crate::cli::load_teachers;

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

pub fn ta_chain_table(t: TaChainArgs) -> Result<()> {
    let a = &t.common;
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    let teacher = load_teachers(&[], &a.dataset, 1)?.remove(0);
    let chains = [
        ("teacher → student", vec![a.student.clone()]),
        (
            "teacher → assistant → student",
            vec![t.assistant.clone(), a.student.clone()],
        ),
    ];
    println!(
        "{} · student {} · assistant {} · seeds 1..={}",
        kind.name(),
        a.student,
        t.assistant,
        a.seeds
    );
    println!(
        "{:<32} {:>18} {:>18}",
        "chain", "student errors", "assistant errors"
    );
    let mut rows = Vec::new();
    for (label, chain) in chains {
        let (mut student, mut assistant) = (Vec::new(), Vec::new());
        for seed in 1..=a.seeds {
            let config = TrainConfig {
                seed,
                ..base.clone()
            };
            let gens = block_on(teacher_assistant_chain(
                config,
                data.clone(),
                teacher.clone(),
                &chain,
                &cpu_device(),
            ))?;
            student.push(gens.last().expect("a student").test_errors as f64);
            if gens.len() > 1 {
                assistant.push(gens[0].test_errors as f64);
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
    write_results(a, kind, "ta-chain", started, rows)
}

pub fn born_again_table(b: BornAgainArgs) -> Result<()> {
    let a = &b.common;
    if b.generations == 0 || b.generations > 10 {
        return Err(err!("--generations {}: expected 1..=10", b.generations));
    }
    let Setup {
        started,
        kind,
        data,
        base,
    } = setup(a)?;
    println!(
        "{} · born-again generations of {} · seeds 1..={}",
        kind.name(),
        a.student,
        a.seeds
    );
    let mut per_gen: Vec<Vec<f64>> = vec![Vec::new(); b.generations];
    for seed in 1..=a.seeds {
        let config = TrainConfig {
            seed: seed * 100,
            ..base.clone()
        };
        let gens = block_on(born_again(
            config,
            data.clone(),
            b.generations,
            &cpu_device(),
            |g| {
                eprintln!(
                    "seed {seed} generation {}: {:.2} %",
                    g.generation,
                    100.0 * g.test_accuracy
                )
            },
        ))?;
        for g in gens {
            per_gen[g.generation].push(g.test_errors as f64);
        }
    }
    println!("{:<12} {:>16}", "generation", "test errors");
    let mut rows = Vec::new();
    for (k, errs) in per_gen.iter().enumerate() {
        let (m, sd) = mean_std(errs);
        println!("{k:<12} {m:>8.0} ± {sd:<5.0}");
        rows.push(json!({"generation": k, "testErrors": errs, "meanErrors": m, "stdErrors": sd}));
    }
    write_results(a, kind, "born-again", started, rows)
}
