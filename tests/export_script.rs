//! `tools/export_teacher.py`, the PyTorch → lab teacher exporter, against the lab itself.
//!
//! Always (python3 and its standard library only): the script's demo networks (pseudo-random
//! weights from a fixed LCG, logits computed in pure Python on the first 8 MNIST test images) load
//! with `load_weights` and give the same logits in the lab within 1e-4, for MLPs and a CNN, 2 to 62
//! classes; the CLI evaluates one; and every unsupported layer list is refused with its reason.
//! With torch (`~/.cache/torch-venv/bin/python`, else a `python3` that imports torch): real
//! `nn.Sequential` models and a state_dict, exported and compared with torch's own logits.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{cli, mnist};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::PIXELS;
use distill_lab::model::{load_weights, CLASSES_KEY, WEIGHTS_FORMAT};
use distill_lab::train::predict;
use serde_json::Value;

const SCRIPT: &str = "tools/export_teacher.py";
const IMAGES: usize = 8;
const TOLERANCE: f64 = 1e-4;

/// A fresh temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("distill-lab-export-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `python` with `args` (no bytecode written into tools/): exit code, stdout, stderr.
fn run(python: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(python)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{python} could not run ({e}): this test needs python3 (standard library only; \
                 `make system-deps` or `apt-get install python3`)"
            )
        });
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Loads `path` with the lab, checks its metadata and returns its logits on the first
/// [`IMAGES`] MNIST test images.
fn lab_logits(path: &str, spec: &str, classes: usize) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    let (got, net, meta) = load_weights(path, &bytes, None, &cpu_device()).unwrap();
    assert_eq!(got.to_string(), spec, "{path}");
    assert_eq!(net.classes(), classes, "{path}");
    assert_eq!(meta["format"], WEIGHTS_FORMAT);
    assert_eq!(meta[CLASSES_KEY], classes.to_string());
    let images = &mnist().test.images[..IMAGES * PIXELS];
    block_on(predict(&net, images, &cpu_device())).unwrap()
}

/// The largest |lab − reference| over `IMAGES × classes` logits, asserted ≤ [`TOLERANCE`].
fn assert_close(what: &str, lab: &[f32], reference: &Value, classes: usize) -> f64 {
    let rows = reference.as_array().expect("rows of logits");
    assert_eq!(rows.len(), IMAGES, "{what}");
    let mut worst = 0.0f64;
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().unwrap();
        assert_eq!(row.len(), classes, "{what}: image {i}");
        for (j, v) in row.iter().enumerate() {
            let diff = (f64::from(lab[i * classes + j]) - v.as_f64().unwrap()).abs();
            worst = worst.max(diff);
        }
    }
    assert!(worst <= TOLERANCE, "{what}: logits differ by {worst:e}");
    // Not vacuous: the logits vary.
    let spread = lab.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(spread > 0.05, "{what}: logits all near 0 ({spread})");
    worst
}

#[test]
fn demo_networks_give_pythons_logits_in_the_lab() {
    let dir = TempDir::new("demo");
    for (spec, classes) in [
        ("mlp:16", 10),
        ("cnn:4,8,16", 10),
        ("mlp:32,16", 5),
        ("cnn:3,5,12", 2),
        ("mlp:", 62),
    ] {
        let out = dir.file(&format!("{}.safetensors", spec.replace([':', ','], "_")));
        let k = classes.to_string();
        let args = [SCRIPT, "--demo", &out, "--spec", spec, "--classes", &k];
        let (code, stdout, stderr) = run("python3", &args);
        assert_eq!(code, 0, "{spec}: {stderr}");
        assert!(
            stdout.contains(&format!("{spec} {classes} classes")),
            "{stdout}"
        );
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(out.replace(".safetensors", ".logits.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(json["spec"], spec);
        let worst = assert_close(
            spec,
            &lab_logits(&out, spec, classes),
            &json["logits"],
            classes,
        );
        eprintln!("{spec}, {classes} classes: max |lab − Python| = {worst:.2e}");
        if classes == 10 {
            // The CLI takes the file too (10 classes: the bundled MNIST teacher's logits).
            let (code, stdout, stderr) = cli(&["evaluate", "--weights", &out]);
            assert_eq!(code, 0, "{stderr}");
            assert!(
                stdout.starts_with(&format!("{spec}: test accuracy")),
                "{stdout}"
            );
        }
    }
}

#[test]
fn unsupported_models_are_refused_with_the_reason() {
    let mlp = "flatten linear:784:16 relu linear:16:10";
    let cnn = "conv:1:4:3:1 relu maxpool:2 conv:4:8:3:1 relu maxpool:2 flatten linear:392:16 relu \
               linear:16:10";
    for (layers, want) in [
        (mlp, "mlp:16 10 classes"),
        ("linear:784:16 relu dropout linear:16:5", "mlp:16 5 classes"),
        ("linear:784:3", "mlp: 3 classes"),
        (cnn, "cnn:4,8,16 10 classes"),
        (
            &cnn.replacen("relu maxpool:2", "maxpool:2 relu", 2),
            "cnn:4,8,16 10 classes",
        ),
    ] {
        let (code, stdout, stderr) = run("python3", &[SCRIPT, "--demo-layers", layers]);
        assert_eq!((code, stdout.trim()), (0, want), "{layers}: {stderr}");
    }
    for (layers, reason) in [
        (
            &mlp.replace("16 relu", "16 BatchNorm1d relu"),
            "layer 2 (BatchNorm1d) is not supported",
        ),
        (
            &cnn.replacen("3:1", "5:2", 1),
            "kernel 5, the lab's convolutions are 3x3",
        ),
        (&cnn.replacen("4:3:1", "4:3:0", 1), "padding 0"),
        (&cnn.replacen("maxpool:2", "maxpool:3", 1), "MaxPool2d(2)"),
        (&cnn.replacen("conv:1:", "conv:3:", 1), "3 input channels"),
        (
            &mlp.replace("784", "1024"),
            "expected 784: the lab's images are 28x28",
        ),
        (&cnn.replace("392", "512"), "(is it for 32x32 images?)"),
        (&mlp.replace("16:10", "16:63"), "63 classes"),
        (&mlp.replace("16:10", "16:1"), "1 classes"),
        (
            &mlp.replace("relu", "relu relu"),
            "layer 3 (relu): expected linear",
        ),
        (
            &mlp.replace("relu", "Sigmoid"),
            "layer 2 (Sigmoid) is not supported",
        ),
        (&format!("{mlp} softmax"), "(softmax) is not supported"),
        (&format!("{mlp} relu"), "the last layer must be a Linear"),
        (
            &mlp.replace("16 relu", "16"),
            "layer 2 (linear:16:10): expected relu",
        ),
        (
            &mlp.replace("16:10", "15:10"),
            "takes 15 values, linear:784:16 gives 16",
        ),
        (&format!("{cnn} relu linear:10:10"), "follows the output"),
    ] {
        let (code, _, stderr) = run("python3", &[SCRIPT, "--demo-layers", layers]);
        assert_eq!(code, 2, "{layers} accepted");
        assert!(stderr.contains(reason), "{layers}: {stderr}");
        assert!(stderr.starts_with("export_teacher: "), "{stderr}");
    }
    for spec in [
        "mlp:0",
        "rnn:3",
        "cnn:1,2",
        "mlp:1,2,3,4,5,6,7,8,9",
        "cnn:300,2,3",
    ] {
        let (code, _, stderr) = run(
            "python3",
            &[SCRIPT, "--demo", "x.safetensors", "--spec", spec],
        );
        assert_eq!(code, 2, "{spec} accepted");
        assert!(stderr.contains(&format!("spec '{spec}'")), "{stderr}");
    }
    assert!(!Path::new("x.safetensors").exists());
}

/// A Python with torch: `~/.cache/torch-venv/bin/python`, else `python3` if it imports torch.
fn torch_python() -> Option<String> {
    let venv = std::env::var("HOME").ok()? + "/.cache/torch-venv/bin/python";
    [venv, "python3".to_string()].into_iter().find(|p| {
        let probe = Command::new(p).args(["-c", "import torch"]).output();
        matches!(probe, Ok(o) if o.status.success())
    })
}

/// Builds and saves the torch models in argv[1], then runs the script's `main` on each argument
/// list of the JSON argv[2] (names ending in .pt or .st are files in argv[1]), in one process:
/// torch starts once. Writes torch's logits on the first 8 MNIST test images and each run's exit
/// code and stderr to argv[1]/torch.json.
const TORCH_MODELS: &str = r#"
import contextlib, io, json, os, sys, torch, torch.nn as nn
sys.path.insert(0, "tools")
import export_teacher as et
out = sys.argv[1]
x = torch.tensor(et.read_images("www/data/mnist/t10k-images-idx3-ubyte.gz", 8))
torch.manual_seed(0)
models = {
    "mlp": nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(32, 7)),
    "cnn": nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
                         nn.Conv2d(4, 8, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(392, 16), nn.ReLU(), nn.Linear(16, 10)),
    "norm": nn.Sequential(nn.Linear(784, 24), nn.ReLU(), nn.Linear(24, 3)),
    "bn": nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.BatchNorm1d(16), nn.ReLU(),
                        nn.Linear(16, 10)),
}
class Functional(nn.Module):  # ReLU in forward(): only its state_dict (with --spec) can be read
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 20), nn.Linear(20, 4)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))
logits = {}
with torch.no_grad():
    for name, net in models.items():
        for p in net.parameters():  # larger than the default init: logits of order 1
            p.mul_(3)
        torch.save(net.eval(), f"{out}/{name}.pt")
        inp = (x - 0.1307) / 0.3081 if name == "norm" else x.reshape(-1, 1, 28, 28)
        logits[name] = net(inp).tolist()
    f = Functional()
    torch.save(f.state_dict(), f"{out}/sd.pt")
    torch.save(f, f"{out}/functional.pt")
    logits["sd"] = f(x).tolist()
runs = []
for args in json.loads(sys.argv[2]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = et.main([os.path.join(out, a) if a.endswith((".pt", ".st")) else a for a in args])
    runs.append({"code": code, "stderr": err.getvalue()})
json.dump({"logits": logits, "runs": runs}, open(f"{out}/torch.json", "w"))
"#;

#[test]
fn torch_models_give_torchs_logits_in_the_lab() {
    let Some(python) = torch_python() else {
        eprintln!("skipped: no Python with torch (~/.cache/torch-venv/bin/python or python3)");
        return;
    };
    let exported = [
        ("mlp", &[][..], "mlp:32", 7),
        ("cnn", &[], "cnn:4,8,16", 10),
        ("norm", &["--normalize", "0.1307,0.3081"], "mlp:24", 3),
        ("sd", &["--spec", "mlp:20"], "mlp:20", 4),
    ];
    let refused = [
        ("bn", &[][..], "(BatchNorm1d(16, "),
        (
            "functional",
            &[],
            "it holds __main__.Functional, not a torch.nn layer",
        ),
        ("sd", &[], "a state_dict needs --spec"),
        ("sd", &["--spec", "mlp:21"], "'fc1' has shapes [20, 784]"),
        ("cnn", &["--normalize", "0.1,0.3"], "exact for MLPs only"),
        ("mlp", &["--classes", "10"], "the model has 7 classes"),
    ];
    let args = |model: &str, out: &str, extra: &[&str]| -> Vec<String> {
        let files = [format!("{model}.pt"), format!("{out}.st")];
        files
            .into_iter()
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    let runs: Vec<Vec<String>> = exported
        .iter()
        .map(|(name, extra, ..)| args(name, name, extra))
        .chain(
            refused
                .iter()
                .map(|(name, extra, _)| args(name, "refused", extra)),
        )
        .collect();
    let dir = TempDir::new("torch");
    let runs_json = serde_json::to_string(&runs).unwrap();
    let (code, _, stderr) = run(
        &python,
        &["-c", TORCH_MODELS, dir.0.to_str().unwrap(), &runs_json],
    );
    assert_eq!(code, 0, "{stderr}");
    let torch: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.file("torch.json")).unwrap()).unwrap();
    let results = torch["runs"].as_array().unwrap();
    for ((name, _, spec, classes), r) in exported.iter().zip(results) {
        assert_eq!(r["code"], 0, "{name}: {}", r["stderr"]);
        let lab = lab_logits(&dir.file(&format!("{name}.st")), spec, *classes);
        let worst = assert_close(name, &lab, &torch["logits"][name], *classes);
        eprintln!("torch {name} ({spec}, {classes} classes): max |lab − torch| = {worst:.2e}");
    }
    for ((name, extra, reason), r) in refused.iter().zip(&results[exported.len()..]) {
        assert_eq!(r["code"], 2, "{name}.pt {extra:?} accepted");
        let stderr = r["stderr"].as_str().unwrap();
        assert!(stderr.contains(reason), "{name}.pt {extra:?}: {stderr}");
    }
    assert!(
        !Path::new(&dir.file("refused.st")).exists(),
        "a refused model left a file"
    );
}
