//! Sweeps on a cluster: `experiment … --shard i/n` in separate processes, joined by
//! `experiment merge` into the file one process writes; merge's refusals; `--shard`'s checks.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::cli;
use serde_json::{json, Value};

/// A fresh, empty folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distill-lab-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `doc` without its timings: the file's `wallSeconds` and each row's `seconds`.
fn untimed(mut doc: Value) -> Value {
    doc.as_object_mut().unwrap().remove("wallSeconds");
    for row in doc["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("seconds");
    }
    doc
}

/// Three rows × two seeds, a tiny budget: six units of well under a second each.
const TINY: &str =
    "experiment methods --only hard,hinton,dkd --seeds 2 --epochs 1 --train-limit 500 --student mlp:16";

#[test]
fn three_shard_processes_merge_into_the_single_run() {
    let dir = folder("shards");
    let mut args: Vec<&str> = TINY.split(' ').collect();
    args.extend(["--out", dir.to_str().unwrap()]);
    let (code, _, err) = cli(&args);
    assert_eq!(code, 0, "{err}");
    let file = dir.join("methods-mlp-16-mnist.json");
    let single = read(&file);
    std::fs::remove_file(&file).unwrap();
    // The three shards at once, as a job array runs them.
    let shards: Vec<_> = (1..=3)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_distill-lab"))
                .args(&args)
                .args(["--shard", &format!("{i}/3")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in shards {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(!file.exists(), "a shard writes only its partial file");
    let partials: Vec<String> = (1..=3)
        .map(|i| {
            format!(
                "{}/shards/methods-mlp-16-mnist.shard-{i}-of-3.json",
                dir.display()
            )
        })
        .collect();
    // Round-robin over the flattened (row, seed) grid: shard i holds units i − 1 and i + 2.
    for (i, p) in partials.iter().enumerate() {
        let units: Vec<u64> = read(Path::new(p))["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["unit"].as_u64().unwrap())
            .collect();
        assert_eq!(units, [i as u64, i as u64 + 3], "{p}");
    }
    let mut merge = vec!["experiment", "merge"];
    merge.extend(partials.iter().rev().map(String::as_str));
    let (code, out, err) = cli(&merge);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Hinton KD"), "merge prints the table:\n{out}");
    let merged = read(&file);
    assert_eq!(untimed(merged.clone()), untimed(single.clone()));
    assert_eq!(merged["rows"][2]["seconds"].as_array().unwrap().len(), 2);
    // The page's index lists the merged file, never the partial ones.
    let index = read(&dir.join("index.json"));
    assert_eq!(index["results"].as_array().unwrap().len(), 1, "{index}");
    assert_eq!(index["results"][0]["file"], "methods-mlp-16-mnist.json");
    std::fs::remove_dir_all(&dir).ok();
}

/// A partial file as `experiment methods --only hard,hinton,dkd --seeds 1 <extra…> --shard i/n`
/// writes it (unit u = row u, seed 1), named `<stem>.shard-i-of-n.json` in `dir`.
fn partial(dir: &Path, stem: &str, (i, n): (usize, usize), extra: &[&str]) -> String {
    let mut argv = vec![
        "experiment",
        "methods",
        "--only",
        "hard,hinton,dkd",
        "--seeds",
        "1",
    ];
    argv.extend_from_slice(extra);
    let jobs = ["hard", "hinton", "dkd"];
    let units: Vec<Value> = (0..3)
        .filter(|u| u % n == i - 1)
        .map(|u| {
            json!({"unit": u, "job": u, "key": jobs[u], "seed": 1, "seconds": 1.5,
                "result": {"testAccuracy": 90.5, "testErrors": 950.0}})
        })
        .collect();
    // The exact copies of the floats, in document order: testAccuracy, testErrors, seconds.
    let floats: Vec<&str> = units.iter().flat_map(|_| ["90.5", "950", "1.5"]).collect();
    let doc = json!({
        "header": {"experiment": "methods", "dataset": "mnist", "command": "distill-lab …",
            "commit": "abc1234", "machine": "2 CPUs (x86_64)", "backend": "cpu", "wallSeconds": 3.0},
        "shard": {"index": i, "count": n}, "argv": argv, "seeds": 1, "jobs": jobs,
        "units": units, "floats": floats,
    });
    let path = dir.join(format!("{stem}.shard-{i}-of-{n}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    path.display().to_string()
}

/// Writes partial files with `make` in a fresh folder, runs `experiment merge` on them, expects
/// it to fail with a message holding every one of `words`.
fn refused(name: &str, make: impl FnOnce(&Path) -> Vec<String>, words: &[&str]) {
    let dir = folder(name);
    let files = make(&dir);
    let mut args = vec!["experiment", "merge"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = cli(&args);
    assert_eq!(code, 2, "merge of {files:?} should fail:\n{out}{err}");
    for word in words {
        assert!(err.contains(word), "'{err}' should say '{word}'");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn merge_refuses_a_missing_shard() {
    let two_of_three = |dir: &Path| (1..=2).map(|i| partial(dir, "m", (i, 3), &[])).collect();
    refused("merge-missing", two_of_three, &["shard 3/3 missing"]);
}

#[test]
fn merge_refuses_a_shard_given_twice() {
    let with_a_copy = |dir: &Path| {
        let mut files: Vec<String> = (1..=3).map(|i| partial(dir, "m", (i, 3), &[])).collect();
        files.push(partial(dir, "copy", (2, 3), &[]));
        files
    };
    refused("merge-twice", with_a_copy, &["shard 2/3 given twice"]);
}

#[test]
fn merge_refuses_shards_of_other_settings_or_another_command() {
    // Another output folder is the same run; other epochs are not.
    let other_epochs = |dir: &Path| {
        vec![
            partial(dir, "a", (1, 2), &["--out", "here"]),
            partial(dir, "b", (2, 2), &["--epochs", "2", "--out", "there"]),
        ]
    };
    refused(
        "merge-settings",
        other_epochs,
        &["not a shard of the same run", "--epochs 2"],
    );
    let other_experiment = |dir: &Path| {
        let other = partial(dir, "c", (2, 2), &[]);
        let mut doc = read(Path::new(&other));
        doc["header"]["experiment"] = "hinton".into();
        std::fs::write(&other, doc.to_string()).unwrap();
        vec![partial(dir, "a", (1, 2), &[]), other]
    };
    refused(
        "merge-command",
        other_experiment,
        &["experiment 'hinton' vs 'methods'"],
    );
}

#[test]
fn merge_refuses_a_wrong_shard_count() {
    let mixed = |dir: &Path| {
        vec![
            partial(dir, "a", (1, 3), &[]),
            partial(dir, "b", (2, 2), &[]),
        ]
    };
    refused(
        "merge-count",
        mixed,
        &["wrong shard count", "shard 2/2", "shard 1/3"],
    );
}

#[test]
fn merge_refuses_cut_short_edited_or_foreign_files() {
    let edited = |f: fn(&mut Value)| {
        move |dir: &Path| {
            let files: Vec<String> = (1..=3).map(|i| partial(dir, "m", (i, 3), &[])).collect();
            let mut doc = read(Path::new(&files[1]));
            f(&mut doc);
            std::fs::write(&files[1], doc.to_string()).unwrap();
            files
        }
    };
    let more_errors = edited(|d| d["units"][0]["result"]["testErrors"] = 951.0.into());
    refused(
        "merge-edited",
        more_errors,
        &["differs from its exact copy"],
    );
    let cut_short = edited(|d| {
        d["units"] = json!([]);
        d["floats"] = json!([]);
    });
    refused(
        "merge-short",
        cut_short,
        &["unit 1 (hinton seed 1) is in no shard"],
    );
    let results_file = edited(|d| *d = json!({"rows": []}));
    refused(
        "merge-foreign",
        results_file,
        &["not a partial result file"],
    );
}

#[test]
fn the_shard_flag_is_checked() {
    for (value, word) in [
        ("0/3", "i counts from 1"),
        ("4/3", "past n"),
        ("2", "expected i/n"),
        ("1/0", "at least 1"),
        ("a/b", "whole numbers"),
    ] {
        let (code, _, err) = cli(&["experiment", "hinton", "--shard", value]);
        assert_eq!(code, 2, "{value}: {err}");
        assert!(
            err.contains("--shard") && err.contains(word),
            "{value}: {err}"
        );
    }
}
