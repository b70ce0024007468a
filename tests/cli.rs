//! The native CLI: JSON output, documented flags, rejected values.

mod common;

use common::cli;

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
        ("--method", "fitnetz", "method"),
        ("--ramp", "zigzag", "ramp"),
        ("--tau-end", "0", "tau end"),
        ("--target-entropy", "9", "target entropy"),
        ("--dkd-beta", "-1", "dkd beta"),
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
        "--method",
        "--dkd-alpha",
        "--dkd-beta",
        "--ramp",
        "--alpha-end",
        "--tau-end",
        "--target-entropy",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn experiment_methods_prints_a_table_and_writes_json() {
    let out_dir = std::env::temp_dir().join(format!("distill-lab-exp-{}", std::process::id()));
    let (code, out, err) = cli(&[
        "experiment",
        "methods",
        "--dataset",
        "mnist",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--train-limit",
        "500",
        "--student",
        "mlp:16",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for label in [
        "hard labels",
        "Hinton KD",
        "entropy-matched",
        "DKD",
        "Two teachers, averaged",
        "Two teachers, by confidence",
        "Quantization-aware KD",
        "Lion + cosine",
        "Progressive layer-wise",
        "Adversarial",
        "Data-free",
        "CCKD",
        "Similarity-preserving",
    ] {
        assert!(out.contains(label), "{label} missing from:\n{out}");
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("methods-mlp-16-mnist.json")).unwrap())
            .unwrap();
    std::fs::remove_dir_all(&out_dir).ok();
    let rows = doc["rows"].as_array().unwrap();
    // hard, hinton and its three variants, then every registered method but the CNN-only two.
    assert_eq!(rows.len(), 5 + distill_lab::method::REGISTRY.len() - 1 - 2);
    for row in rows {
        let accs: Vec<f64> = row["testAccuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_f64().unwrap())
            .collect();
        assert_eq!(accs.len(), 2, "one result per seed");
        let mean = accs.iter().sum::<f64>() / 2.0;
        assert!((row["meanAccuracy"].as_f64().unwrap() - mean).abs() < 1e-9);
        assert!(mean > 5.0 && mean <= 100.0, "{}: {mean}", row["method"]);
    }
    assert!(doc["command"]
        .as_str()
        .unwrap()
        .contains("experiment methods"));
    assert!(doc["wallSeconds"].as_f64().unwrap() > 0.0);
    let (code, _, err) = cli(&["experiment", "methods", "--seeds", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--seeds"), "{err}");
}

#[test]
fn quantization_aware_distill_exports_an_integer_student_that_evaluate_reads() {
    let dir = std::env::temp_dir().join(format!("distill-lab-int8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("student-int4.safetensors");
    let (code, out, err) = cli(&[
        "distill",
        "--student",
        "mlp:16",
        "--method",
        "qat",
        "--bits",
        "4",
        "--epochs",
        "2",
        "--lr",
        "0.003",
        "--train-limit",
        "1000",
        "--int8",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let int8: serde_json::Value = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "int8")
        .expect("an int8 line");
    assert_eq!(int8["bits"], 4);
    assert_eq!(int8["quantizationAware"], true);
    let ratio = int8["bytes"].as_f64().unwrap() / int8["floatBytes"].as_f64().unwrap();
    assert!(ratio < 0.27, "{ratio}");
    assert!(int8["testAccuracy"].as_f64().unwrap() > 0.5, "{int8}");
    // The file on disk, read back natively, predicts what the run reported.
    let (code, out, err) = cli(&["evaluate", "--json", "--weights", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let eval: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(eval["bits"], 4);
    assert_eq!(eval["report"]["testErrors"], int8["testErrors"]);
    // experiment qat: float, post-training and quantization-aware rows at each bit width.
    let (code, out, err) = cli(&[
        "experiment",
        "qat",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--train-limit",
        "500",
        "--student",
        "mlp:16",
        "--bits",
        "8,2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("quantization-aware KD, int2"), "{out}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("qat-mnist.json")).unwrap()).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 10);
    std::fs::remove_dir_all(&dir).ok();
    let (code, _, err) = cli(&["experiment", "qat", "--bits", "9"]);
    assert_ne!(code, 0);
    assert!(err.contains("bits = 9"), "{err}");
}

#[test]
fn experiment_deploy_prunes_fine_tunes_and_quantizes() {
    let dir = std::env::temp_dir().join(format!("distill-lab-deploy-{}", std::process::id()));
    let (code, out, err) = cli(&[
        "experiment",
        "deploy",
        "--seeds",
        "1",
        "--epochs",
        "2",
        "--train-limit",
        "2000",
        "--student",
        "mlp:32",
        "--finetune-epochs",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("deploy-mnist.json")).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let rows = doc["rows"].as_array().unwrap();
    let row = |label: &str| {
        rows.iter()
            .find(|r| r["student"] == label)
            .unwrap_or_else(|| panic!("no row {label} in\n{out}"))
    };
    let errors = |label: &str| row(label)["meanErrors"].as_f64().unwrap();
    let bytes = |label: &str| row(label)["bytes"].as_f64().unwrap();
    assert!(bytes("distilled, int8") / bytes("distilled, float32") < 0.27);
    assert!(errors("distilled, int8, dynamic activations") < errors("distilled, float32") + 100.0);
    assert!(
        (row("pruned 80 % + KD fine-tuning")["sparsity"][0]
            .as_f64()
            .unwrap()
            - 0.8)
            .abs()
            < 1e-3
    );
    // Fine-tuning with the teacher repairs most of what pruning broke.
    assert!(errors("pruned 80 % + KD fine-tuning") < errors("pruned 80 %, not fine-tuned"));
    // Per-neuron pruning gives a real, smaller network.
    let small = "neurons pruned to mlp:16 + KD fine-tuning";
    assert!(bytes(small) < 0.6 * bytes("distilled, float32"));
    assert!(errors(small) < 5000.0);
    assert!(row(small)["imagesPerSecond"][0].as_f64().unwrap() > 0.0);
}

/// Runs `experiment <name> <args…> --out DIR` and returns its JSON document.
fn experiment(name: &str, args: &[&str]) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("distill-lab-{name}-{}", std::process::id()));
    let mut all = vec!["experiment", name, "--out", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let (code, out, err) = cli(&all);
    assert_eq!(code, 0, "{err}\n{out}");
    let doc =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{name}-mnist.json"))).unwrap())
            .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    doc
}

#[test]
fn the_classic_experiments_write_their_tables() {
    let small = [
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--train-limit",
        "2000",
        "--student",
        "mlp:16",
    ];
    // The missing 3: both transfer sets, each with a distilled and a hard-label student.
    let doc = experiment("missing3", &small);
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for row in rows {
        let n = row["transferExamples"].as_u64().unwrap();
        assert!(n > 0 && n < 2000, "{row}");
        let bias = row["meanBias"].as_f64().unwrap();
        assert!((0.0..=15.0).contains(&bias), "{row}");
        // The bias was chosen on the 10,000 held-out training images.
        assert_eq!(row["heldOut"][0]["heldOut"], 10_000);
    }
    // The capacity sweep and its fit.
    let doc = experiment(
        "capacity",
        &[
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--train-limit",
            "1000",
            "--widths",
            "2,8,32",
        ],
    );
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows[0]["capacityRatio"].as_f64().unwrap() < rows[2]["capacityRatio"].as_f64().unwrap()
    );
    assert!(rows[3]["fit"]["r2"].is_number() && rows[3]["fit"]["k"].is_number());
    // Temperature × width.
    let doc = experiment(
        "temperature",
        &[
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--train-limit",
            "1000",
            "--widths",
            "8",
            "--temperatures",
            "2,8",
        ],
    );
    assert_eq!(doc["rows"].as_array().unwrap().len(), 2);
    // Hinton's §3 table: teacher, hard labels, soft targets, the gap closed.
    let doc = experiment("hinton", &small);
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(
        rows[0]["meanErrors"], 100.0,
        "the bundled 784-1200-1200-10 teacher"
    );
    assert!(rows[3]["gapClosed"].is_number());
}
