//! Datasets of your own made from MNIST for the tests (nothing is committed): folders of IDX
//! files relabelled by a rule, and the CLI steps run on them.

use std::path::{Path, PathBuf};

use super::{cli, gz, idx_labels, mnist};
use distill_lab::data::SIDE;
use serde_json::Value;

/// Training and test images of the made sets (the first of MNIST's).
pub const TRAIN: usize = 4000;
pub const TEST: usize = 1000;

/// A fresh temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("distill-lab-own-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }

    pub fn write(&self, file: &str, bytes: &[u8]) {
        std::fs::write(self.0.join(file), bytes).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An IDX image file (magic 0x0803) of `n` images of `rows × cols` with these pixels.
pub fn idx_images(n: usize, rows: usize, cols: usize, pixels: &[u8]) -> Vec<u8> {
    let mut v = 0x0803u32.to_be_bytes().to_vec();
    for d in [n, rows, cols] {
        v.extend_from_slice(&(d as u32).to_be_bytes());
    }
    v.extend_from_slice(pixels);
    v
}

/// Images and labels of one split.
pub struct Part {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

/// Writes a dataset folder: the four IDX files (gzip or raw) and optionally classes.txt.
pub fn write_folder(dir: &TempDir, train: &Part, test: &Part, gzip: bool, names: Option<&str>) {
    let pack = |b: Vec<u8>| if gzip { gz(&b) } else { b };
    let ext = if gzip { ".gz" } else { "" };
    for (prefix, p) in [("train", train), ("t10k", test)] {
        let n = p.labels.len();
        let images = idx_images(n, SIDE, SIDE, &p.images);
        dir.write(&format!("{prefix}-images-idx3-ubyte{ext}"), &pack(images));
        dir.write(
            &format!("{prefix}-labels-idx1-ubyte{ext}"),
            &pack(idx_labels(&p.labels)),
        );
    }
    if let Some(text) = names {
        dir.write("classes.txt", text.as_bytes());
    }
}

/// The first `n` MNIST images of a split, relabelled (and transformed) by `rule(index, digit,
/// image)`.
pub fn relabel(train: bool, n: usize, rule: &dyn Fn(usize, u8, &mut [u8]) -> u8) -> Part {
    let data = mnist();
    let split = if train { &data.train } else { &data.test };
    let px = SIDE * SIDE;
    let mut images = split.images[..n * px].to_vec();
    let labels = (0..n)
        .map(|i| rule(i, split.labels[i], &mut images[i * px..(i + 1) * px]))
        .collect();
    Part { images, labels }
}

pub fn two_classes(_: usize, d: u8, _: &mut [u8]) -> u8 {
    u8::from(d >= 5)
}

pub fn five_classes(_: usize, d: u8, _: &mut [u8]) -> u8 {
    d % 5
}

/// See the module docs: as is, mirrored, or transposed.
pub fn twenty_six_classes(i: usize, d: u8, img: &mut [u8]) -> u8 {
    let orig = img.to_vec();
    match (i % 3, d) {
        (1, _) => {
            for r in 0..SIDE {
                for c in 0..SIDE {
                    img[r * SIDE + c] = orig[r * SIDE + SIDE - 1 - c];
                }
            }
            10 + d
        }
        (2, 0..=5) => {
            for r in 0..SIDE {
                for c in 0..SIDE {
                    img[r * SIDE + c] = orig[c * SIDE + r];
                }
            }
            20 + d
        }
        _ => d,
    }
}

pub fn make(name: &str, rule: &dyn Fn(usize, u8, &mut [u8]) -> u8, names: Option<&str>) -> TempDir {
    let dir = TempDir::new(name);
    let (train, test) = (relabel(true, TRAIN, rule), relabel(false, TEST, rule));
    // The 2-class set raw, the others gzipped: both forms are read.
    write_folder(&dir, &train, &test, name != "two", names);
    dir
}

pub fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect()
}

/// The final test accuracy of a `distill` run's output.
pub fn summary_accuracy(out: &str) -> f64 {
    let lines = json_lines(out);
    let s = lines.iter().find(|l| l["event"] == "summary");
    s.unwrap_or_else(|| panic!("no summary: {out}"))["testAccuracy"]
        .as_f64()
        .unwrap()
}

/// Trains a teacher on `data` into `out` (stem `t`): its model card.
pub fn train_teacher(data: &TempDir, out: &TempDir, arch: &str) -> Value {
    let (code, _, err) = cli(&[
        "train-teacher",
        "--data",
        data.arg(),
        "--arch",
        arch,
        "--epochs",
        "4",
        "--batch-size",
        "64",
        "--dropout",
        "0",
        "--jitter",
        "0",
        "--out",
        out.arg(),
        "--name",
        "t",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_slice(&std::fs::read(out.path().join("t.json")).unwrap()).unwrap()
}

pub fn distill(data: &TempDir, teacher: &TempDir, method: &str, extra: &[&str]) -> (f64, String) {
    let logits = teacher.path().join("t.logits.safetensors");
    let mut args = vec![
        "distill",
        "--data",
        data.arg(),
        "--teacher",
        logits.to_str().unwrap(),
        "--student",
        "mlp:64",
        "--method",
        method,
        "--epochs",
        "4",
        "--batch-size",
        "64",
        "--seed",
        "3",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = cli(&args);
    assert_eq!(code, 0, "{method}: {err}");
    (summary_accuracy(&out), out)
}

pub fn evaluate(data: &TempDir, teacher: &TempDir, weights: &Path) -> Value {
    let logits = teacher.path().join("t.logits.safetensors");
    let (code, out, err) = cli(&[
        "evaluate",
        "--data",
        data.arg(),
        "--teacher",
        logits.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(out.trim()).unwrap()
}
