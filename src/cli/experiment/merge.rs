//! `experiment merge`: joins the partial files of a sharded run into the results file a single
//! process writes. The shards must be of one run (same command up to `--shard` and `--out`, same
//! commit, same grid) and complete (every i of n exactly once, every unit exactly once). The
//! command is replayed to plan the experiment again (its dataset and teachers loaded from the
//! same paths), and the table is built by the same [`Plan::table`] as a single run's.
//!
//! Timings: each unit keeps the `seconds` its shard measured (e.g. the methods table's
//! `seconds`, the deploy table's `imagesPerSecond`); `wallSeconds` is the sum of the shards'
//! (compute time, not the elapsed time of the cluster job); `machine` lists the shards' machines.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use distill_lab::{err, Result};

use super::runner::{by_job, without, Partial};
use super::{plan, write_results, Experiment, Header};

#[derive(Args)]
pub struct MergeArgs {
    /// The partial files (`<out>/shards/<name>-<dataset>.shard-i-of-n.json`), one per shard, in
    /// any order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output folder of the merged file (default: the shards' `--out`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The command line as the CLI parses it, to replay a shard's command.
#[derive(Parser)]
#[command(name = "distill-lab")]
struct Replay {
    #[command(subcommand)]
    command: Replayed,
}

#[derive(Subcommand)]
enum Replayed {
    #[command(subcommand)]
    Experiment(Experiment),
}

pub fn merge(m: MergeArgs) -> Result<()> {
    let mut parts = Vec::new();
    for path in &m.files {
        parts.push((path.as_path(), Partial::read(path)?));
    }
    check(&mut parts)?;
    let (first_path, first) = &parts[0];
    let Replay {
        command: Replayed::Experiment(e),
    } = Replay::try_parse_from(
        std::iter::once("distill-lab".to_string()).chain(first.argv.clone()),
    )
    .map_err(|e| err!("{}: its command does not parse: {e}", first_path.display()))?;
    let planned = plan(e)?;
    let dir = m.out.clone().unwrap_or_else(|| planned.args.out.clone());
    let plan = planned.plan;
    if plan.jobs() != first.jobs {
        return Err(err!(
            "the shards ran the rows {:?}, but this checkout plans {:?} for the same command",
            first.jobs,
            plan.jobs()
        ));
    }
    let mut machines: Vec<&str> = Vec::new();
    for (_, p) in &parts {
        if !machines.contains(&p.header.machine.as_str()) {
            machines.push(&p.header.machine);
        }
    }
    let header = Header {
        machine: machines.join(" + "),
        wall_seconds: parts.iter().map(|(_, p)| p.header.wall_seconds).sum(),
        ..first.header.clone()
    };
    let units = parts.iter().flat_map(|(_, p)| p.units.clone()).collect();
    let rows = plan.table(&by_job(units, first.jobs.len()))?;
    write_results(&dir, &header, rows)
}

/// Checks that `parts` are the n shards of one run, each once, holding every unit once; sorts
/// them by shard index.
fn check(parts: &mut [(&Path, Partial)]) -> Result<()> {
    same_run(parts)?;
    parts.sort_by_key(|(_, p)| p.shard.index);
    let (first, n) = (&parts[0].1, parts[0].1.shard.count);
    for i in 1..=n {
        let given: Vec<String> = parts
            .iter()
            .filter(|(_, p)| p.shard.index == i)
            .map(|(path, _)| path.display().to_string())
            .collect();
        match given.len() {
            0 => return Err(err!("shard {i}/{n} missing: run it with --shard {i}/{n}")),
            1 => {}
            _ => return Err(err!("shard {i}/{n} given twice: {}", given.join(", "))),
        }
    }
    let (jobs, seeds) = (first.jobs.len(), first.seeds as usize);
    let mut seen = vec![false; jobs * seeds];
    for (path, p) in parts.iter() {
        for o in &p.units {
            let fits = o.unit < seen.len()
                && p.shard.holds(o.unit)
                && (o.job, o.seed) == (o.unit / seeds, (o.unit % seeds) as u64 + 1)
                && o.key == first.jobs[o.job];
            if !fits || std::mem::replace(&mut seen[o.unit], true) {
                return Err(err!(
                    "{}: unit {} ({} seed {}) is not shard {}/{n}'s, or is there twice",
                    path.display(),
                    o.unit,
                    o.key,
                    o.seed,
                    p.shard.index
                ));
            }
        }
    }
    match seen.iter().position(|s| !s) {
        Some(u) => Err(err!(
            "unit {u} ({} seed {}) is in no shard: a partial file was cut short",
            first.jobs[u / seeds],
            u % seeds + 1
        )),
        None => Ok(()),
    }
}

/// Checks that every part has the first's shard count, experiment, dataset, commit, command
/// (up to `--shard` and `--out`) and rows.
fn same_run(parts: &[(&Path, Partial)]) -> Result<()> {
    let (a, first) = (parts[0].0.display(), &parts[0].1);
    let n = first.shard.count;
    let settings = |p: &Partial| without(&p.argv, "--out").join(" ");
    for (b, p) in &parts[1..] {
        let b = b.display();
        if p.shard.count != n {
            return Err(err!(
                "wrong shard count: {b} is shard {}/{}, but {a} is shard {}/{n}",
                p.shard.index,
                p.shard.count,
                first.shard.index
            ));
        }
        let differs = [
            ("experiment", &p.header.experiment, &first.header.experiment),
            ("dataset", &p.header.dataset, &first.header.dataset),
            ("commit", &p.header.commit, &first.header.commit),
            (
                "command (without --shard, --out)",
                &settings(p),
                &settings(first),
            ),
            ("rows", &p.jobs.join(", "), &first.jobs.join(", ")),
        ];
        if let Some((what, x, y)) = differs.iter().find(|(_, x, y)| x != y) {
            return Err(err!(
                "{b} is not a shard of the same run as {a}: {what} '{x}' vs '{y}'"
            ));
        }
    }
    Ok(())
}
