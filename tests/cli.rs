//! The native CLI: JSON output, documented flags, rejected values.

use std::process::Command;

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_distill-lab"))
        .args(args)
        .output()
        .expect("the CLI runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn distill_prints_one_json_line_per_evaluation_and_a_summary() {
    let (code, out, err) = cli(&[
        "distill",
        "--dataset",
        "mnist",
        "--student",
        "mlp:32",
        "--alpha",
        "0.5",
        "--tau",
        "4",
        "--epochs",
        "1",
        "--seed",
        "1",
        "--train-limit",
        "2000",
        "--eval-every",
        "10",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let evals: Vec<_> = lines.iter().filter(|l| l["event"] == "eval").collect();
    assert_eq!(
        evals.len(),
        4,
        "2000/64 = 32 steps, evaluated at 10, 20, 30, 32"
    );
    assert_eq!(evals[0]["step"], 10);
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary");
    let acc = summary["testAccuracy"].as_f64().unwrap();
    assert!(acc > 0.5 && acc <= 1.0, "{acc}");
    let errors = summary["testErrors"].as_u64().unwrap();
    assert_eq!(errors, ((1.0 - acc) * 10_000.0).round() as u64);
    assert!(summary["wallSeconds"].as_f64().unwrap() > 0.0);
}

#[test]
fn invalid_values_are_rejected_with_a_message() {
    for (flag, value, word) in [
        ("--alpha", "1.5", "alpha"),
        ("--tau", "0", "tau"),
        ("--lr", "-1", "lr"),
        ("--batch-size", "0", "batch size"),
        ("--epochs", "0", "epochs"),
        ("--student", "mlp:abc", "student"),
        ("--dataset", "cifar", "dataset"),
        ("--backend", "tpu", "backend"),
        ("--schedule", "wavy", "schedule"),
    ] {
        let arg = format!("{flag}={value}");
        let (code, _, err) = cli(&["distill", &arg, "--hard"]);
        assert_eq!(code, 2, "{flag} {value}: {err}");
        assert!(
            err.contains(word),
            "{flag} {value}: '{err}' should mention {word}"
        );
    }
    let (code, _, err) = cli(&["distill", "--teacher", "/nonexistent.safetensors"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent.safetensors"), "{err}");
}

#[test]
fn every_flag_is_documented_in_help() {
    let (code, out, _) = cli(&["distill", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--dataset",
        "--student",
        "--alpha",
        "--tau",
        "--epochs",
        "--seed",
        "--backend",
        "--lr",
        "--batch-size",
        "--eval-every",
        "--teacher",
        "--hard",
        "--schedule",
        "--data-dir",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help");
    }
}
