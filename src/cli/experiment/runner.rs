//! The one per-seed runner behind every `experiment` command.
//!
//! An experiment is a [`Plan`]: a list of jobs (rows, or groups of rows, of its table), each run
//! once per seed. The grid of units is flattened job-major — unit `u` is job `u / seeds` with
//! seed `u % seeds + 1`. The runner runs every unit, builds the table from their outcomes and
//! writes `<out>/<name>-<dataset>.json`.

use std::time::Instant;

use distill_lab::{err, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{write_results, Header, MethodsArgs, Setup};

/// What an experiment command defines: its jobs, how one unit runs, how the outcomes become
/// the table.
pub(super) trait Plan {
    /// The jobs' keys, in table order; each runs once per seed.
    fn jobs(&self) -> Vec<String>;
    /// Runs job `job` with `seed` and returns what it measured (JSON numbers and labels). All
    /// that is random in it must be seeded from `seed` alone, never carried over from an
    /// earlier unit, so that any process running it computes the same numbers.
    fn unit(&self, s: &Setup, job: usize, seed: u64) -> Result<Value>;
    /// Prints the table and returns the results file's rows, from every job's outcomes (in
    /// job order, each in seed order).
    fn table(&self, done: &[Vec<Outcome>]) -> Result<Vec<Value>>;
}

/// An experiment command, planned: the shared flags, the setup, the results file's stem and the
/// [`Plan`].
pub(super) struct Planned {
    pub args: MethodsArgs,
    pub setup: Setup,
    /// The results file's stem before the dataset (`<name>-<dataset>.json`).
    pub name: String,
    pub plan: Box<dyn Plan>,
}

impl Planned {
    /// `plan` of the experiment `name`; prints the banner: the dataset, `about` (what the table
    /// compares) and the shared settings.
    pub fn new(
        args: MethodsArgs,
        setup: Setup,
        name: impl Into<String>,
        about: String,
        plan: impl Plan + 'static,
    ) -> Result<Self> {
        let examples = match args.train_limit {
            0 => "all".to_string(),
            n => format!("the first {}", n.min(setup.data.train.len())),
        };
        println!(
            "{} · {about} · {} epochs on {examples} training examples · α {} · τ {} · seeds 1..={}",
            setup.kind.name(),
            args.epochs,
            args.alpha,
            args.tau,
            args.seeds
        );
        let name = name.into();
        let plan = Box::new(plan);
        Ok(Planned {
            args,
            setup,
            name,
            plan,
        })
    }
}

/// What one unit measured, as the runner keeps it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(super) struct Outcome {
    /// Its place in the flattened grid (job-major).
    pub unit: usize,
    pub job: usize,
    /// The job's key (e.g. `hinton`), for people reading a partial file and for merge's checks.
    pub key: String,
    pub seed: u64,
    /// Wall time of the unit (a timing: it depends on the machine and its load).
    pub seconds: f64,
    /// What [`Plan::unit`] returned.
    pub result: Value,
}

impl Outcome {
    /// The result as `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.result.clone())
            .map_err(|e| err!("unit {} ({} seed {}): {e}", self.unit, self.key, self.seed))
    }
}

/// The number `key` of each outcome's result, in order.
pub(super) fn column(outcomes: &[Outcome], key: &str) -> Result<Vec<f64>> {
    let number = |o: &Outcome| {
        o.result[key].as_f64().ok_or_else(|| {
            err!(
                "unit {} ({} seed {}): no number '{key}'",
                o.unit,
                o.key,
                o.seed
            )
        })
    };
    outcomes.iter().map(number).collect()
}

/// The outcomes grouped by job, each group in seed order.
pub(super) fn by_job(mut done: Vec<Outcome>, jobs: usize) -> Vec<Vec<Outcome>> {
    done.sort_by_key(|o| o.unit);
    let mut out = vec![Vec::new(); jobs];
    for o in done {
        out[o.job].push(o);
    }
    out
}

/// For jobs whose result is a list of rows (`[{"student": label, …}, …]`): the rows grouped by
/// label, labels in the order first seen, each label's rows in seed order.
pub(super) fn by_label<T: DeserializeOwned>(
    done: &[Vec<Outcome>],
    label: fn(&T) -> &str,
) -> Result<Vec<(String, Vec<T>)>> {
    let mut table: Vec<(String, Vec<T>)> = Vec::new();
    for o in done.iter().flatten() {
        for item in o.parse::<Vec<T>>()? {
            let key = label(&item).to_string();
            match table.iter_mut().find(|(k, _)| *k == key) {
                Some(row) => row.1.push(item),
                None => table.push((key, vec![item])),
            }
        }
    }
    Ok(table)
}

/// Runs the planned units, then writes the results file.
pub(super) fn run(p: Planned) -> Result<()> {
    let (a, s) = (&p.args, &p.setup);
    let jobs = p.plan.jobs();
    let seeds = a.seeds as usize;
    let all = jobs.len() * seeds;
    let mut done = Vec::new();
    for unit in 0..all {
        let (job, seed) = (unit / seeds, (unit % seeds) as u64 + 1);
        let t0 = Instant::now();
        let result = p
            .plan
            .unit(s, job, seed)
            .map_err(|e| e.context(format!("{} (seed {seed})", jobs[job])))?;
        let seconds = t0.elapsed().as_secs_f64();
        eprintln!(
            "[{}/{all}] {} seed {seed}: {seconds:.1} s",
            unit + 1,
            jobs[job]
        );
        let key = jobs[job].clone();
        done.push(Outcome {
            unit,
            job,
            key,
            seed,
            seconds,
            result,
        });
    }
    let header = Header::here(p.name.clone(), s.kind, s.started);
    let rows = p.plan.table(&by_job(done, jobs.len()))?;
    write_results(&a.out, &header, rows)
}
