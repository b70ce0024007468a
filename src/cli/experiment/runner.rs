//! The one per-seed runner behind every `experiment` command.
//!
//! An experiment is a [`Plan`]: a list of jobs (rows, or groups of rows, of its table), each run
//! once per seed. The grid of units is flattened job-major — unit `u` is job `u / seeds` with
//! seed `u % seeds + 1` — and `--shard i/n` runs the units with `u % n == i − 1` (round-robin,
//! so every shard gets a share of every row). Without `--shard` the runner builds the table from
//! every unit's outcome and writes `<out>/<name>-<dataset>.json`; with it, it writes the units it
//! ran to `<out>/shards/<name>-<dataset>.shard-i-of-n.json` ([`Partial`]; a subfolder, so that
//! `<out>` holds only results files), which `experiment merge` joins through the same
//! [`Plan::table`]: a merged file's rows equal a single run's.

use std::path::Path;
use std::time::Instant;

use distill_lab::{err, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{write_json, write_results, Header, MethodsArgs, Setup};

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

/// What one unit measured, as the runner keeps it and a partial file stores it.
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

/// `--shard i/n`: this process runs shard `index` (1-based) of `count`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses `i/n` with 1 ≤ i ≤ n.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or("expected i/n, e.g. 2/8 for the second of 8 shards")?;
        let whole = |v: &str| v.trim().parse::<usize>();
        let (Ok(index), Ok(count)) = (whole(i), whole(n)) else {
            return Err("i and n of i/n must be whole numbers, e.g. 2/8".into());
        };
        match (index, count) {
            (_, 0) => Err("n of i/n must be at least 1".into()),
            (0, _) => Err(format!(
                "i counts from 1: expected 1/{count} to {count}/{count}"
            )),
            (i, n) if i > n => Err(format!(
                "i = {i} is past n = {n}: expected 1/{n} to {n}/{n}"
            )),
            _ => Ok(Shard { index, count }),
        }
    }

    /// Whether unit `u` of the flattened grid is this shard's (round-robin).
    pub fn holds(&self, unit: usize) -> bool {
        unit % self.count == self.index - 1
    }

    /// The file name's suffix, `.shard-i-of-n`.
    pub fn suffix(&self) -> String {
        format!(".shard-{}-of-{}", self.index, self.count)
    }
}

/// A shard's partial result file: the header merge rebuilds, the command to replay, the grid and
/// the units this shard ran.
///
/// serde_json (without its `float_roundtrip` feature, which would rebuild burn) reads a decimal
/// float back only to within an ulp, so the file also holds every float of `units` as Rust's
/// shortest round-trip text, in document order, under `floats`; [`Partial::read`] puts them
/// back, and a merged file's numbers are those the shards computed, to the bit.
#[derive(Serialize, Deserialize)]
pub(super) struct Partial {
    pub(super) header: Header,
    pub(super) shard: Shard,
    /// The command's arguments after `distill-lab`, without `--shard`.
    pub(super) argv: Vec<String>,
    pub(super) seeds: u64,
    pub(super) jobs: Vec<String>,
    pub(super) units: Vec<Outcome>,
}

impl Partial {
    /// Writes the file (with the exact copies of the floats).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut doc = serde_json::to_value(self).map_err(|e| err!("{e}"))?;
        let mut exact = Vec::new();
        floats(&doc["units"], &mut exact);
        doc["floats"] = exact.into();
        write_json(path, &doc)
    }

    /// Reads a file [`Partial::write`] wrote, its floats exact again.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = distill_lab::data::read_file(path, 256 << 20)?;
        let not = |e: &dyn std::fmt::Display| {
            err!(
                "{}: not a partial result file of `experiment … --shard i/n` ({e})",
                path.display()
            )
        };
        let mut doc: Value = serde_json::from_slice(&bytes).map_err(|e| not(&e))?;
        if doc.get("shard").is_none() {
            return Err(not(&"it has no `shard`"));
        }
        let exact = doc["floats"].as_array().cloned().unwrap_or_default();
        let mut it = exact.iter();
        restore(&mut doc["units"], &mut it).map_err(|e| not(&e))?;
        if it.next().is_some() {
            return Err(not(&"more exact floats than floats"));
        }
        serde_json::from_value(doc).map_err(|e| not(&e))
    }
}

/// Every float of `v`, in document order (an object's keys sorted), as shortest round-trip text.
fn floats(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Number(n) if n.is_f64() => out.push(n.as_f64().unwrap_or(0.0).to_string().into()),
        Value::Array(a) => a.iter().for_each(|x| floats(x, out)),
        Value::Object(m) => m.values().for_each(|x| floats(x, out)),
        _ => {}
    }
}

/// Replaces every float of `v` by its exact copy from `exact` (checked to be the same number
/// within rounding: an edited file is refused).
fn restore(v: &mut Value, exact: &mut std::slice::Iter<Value>) -> Result<()> {
    match v {
        Value::Number(n) if n.is_f64() => {
            let read = n.as_f64().unwrap_or(f64::NAN);
            let text = exact.next().and_then(Value::as_str).unwrap_or("none");
            let x: f64 = text
                .parse()
                .map_err(|_| err!("no exact copy of {read} (found '{text}')"))?;
            if (x - read).abs() > 1e-12 * x.abs() {
                return Err(err!("{read} differs from its exact copy {text}"));
            }
            *v = Value::from(x);
        }
        Value::Array(a) => a.iter_mut().try_for_each(|x| restore(x, exact))?,
        Value::Object(m) => m.values_mut().try_for_each(|x| restore(x, exact))?,
        _ => {}
    }
    Ok(())
}

/// `args` without `flag`'s occurrences (`--flag v` and `--flag=v`).
pub(super) fn without(args: &[String], flag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == flag {
            it.next();
        } else if !arg.starts_with(&format!("{flag}=")) {
            out.push(arg.clone());
        }
    }
    out
}

/// This process's arguments after the program name, without `--shard`.
pub(super) fn argv() -> Vec<String> {
    without(&std::env::args().skip(1).collect::<Vec<_>>(), "--shard")
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

/// Runs the planned units (all, or those of `--shard`), then writes the results file or the
/// shard's partial file.
pub(super) fn run(p: Planned) -> Result<()> {
    let (a, s) = (&p.args, &p.setup);
    let jobs = p.plan.jobs();
    let seeds = a.seeds as usize;
    let mine: Vec<usize> = (0..jobs.len() * seeds)
        .filter(|&u| a.shard.is_none_or(|sh| sh.holds(u)))
        .collect();
    if let Some(sh) = a.shard {
        let all = jobs.len() * seeds;
        eprintln!(
            "shard {}/{}: {} of the {all} units",
            sh.index,
            sh.count,
            mine.len()
        );
    }
    let mut done = Vec::new();
    for (k, &unit) in mine.iter().enumerate() {
        let (job, seed) = (unit / seeds, (unit % seeds) as u64 + 1);
        let t0 = Instant::now();
        let result = p
            .plan
            .unit(s, job, seed)
            .map_err(|e| e.context(format!("{} (seed {seed})", jobs[job])))?;
        let seconds = t0.elapsed().as_secs_f64();
        eprintln!(
            "[{}/{}] {} seed {seed}: {seconds:.1} s",
            k + 1,
            mine.len(),
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
    let Some(shard) = a.shard else {
        let rows = p.plan.table(&by_job(done, jobs.len()))?;
        return write_results(&a.out, &header, rows);
    };
    let path = header.path(&a.out.join("shards"), &shard.suffix());
    let partial = Partial {
        header,
        shard,
        argv: argv(),
        seeds: a.seeds,
        jobs,
        units: done,
    };
    partial.write(&path)?;
    println!(
        "{:.0} s; wrote {} (join the shards with `distill-lab experiment merge`)",
        partial.header.wall_seconds,
        path.display()
    );
    Ok(())
}
