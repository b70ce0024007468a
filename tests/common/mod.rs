//! Shared fixtures of the integration tests: the bundled MNIST data and teacher, loaded once.

#![allow(dead_code)] // each test binary uses its own subset

pub mod golden;
pub mod own;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use distill_lab::data::{Dataset, DatasetKind};
use distill_lab::model::{load_logits, TeacherLogits};

/// The native wgpu device, or `None` after printing why the test is skipped (no adapter here; CI
/// installs mesa-vulkan-drivers, so the GPU tests do run there).
pub fn gpu_or_skip() -> Option<burn::tensor::Device> {
    match distill_lab::backend::wgpu_device() {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            None
        }
    }
}

/// `ours` against `reference`, each element within `tol` of the largest magnitude in `reference`
/// (at least 1): f32 sums of many products in another order.
pub fn assert_close(what: &str, ours: &[f32], reference: &[f32], tol: f32) {
    assert_eq!(ours.len(), reference.len(), "{what}: lengths");
    let scale = reference.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in ours.iter().zip(reference).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}: element {i}: ours {x} vs the reference {y} (scale {scale})"
        );
    }
}

/// MNIST from `www/data`, parsed once per test binary.
pub fn mnist() -> Arc<Dataset> {
    static DATA: OnceLock<Arc<Dataset>> = OnceLock::new();
    DATA.get_or_init(|| Arc::new(Dataset::load(DatasetKind::Mnist, Path::new("www/data")).unwrap()))
        .clone()
}

/// The bundled MNIST teacher's logits.
pub fn mnist_teacher() -> Arc<TeacherLogits> {
    let path = "www/models/mnist-teacher.logits.safetensors";
    Arc::new(load_logits(path, &std::fs::read(path).unwrap()).unwrap())
}

/// An IDX label file (magic 0x0801) holding `values`.
pub fn idx_labels(values: &[u8]) -> Vec<u8> {
    let mut v = 0x0801u32.to_be_bytes().to_vec();
    v.extend_from_slice(&(values.len() as u32).to_be_bytes());
    v.extend_from_slice(values);
    v
}

/// `bytes` gzip-compressed.
pub fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Runs the built `distill-lab` with `args`: exit code, stdout, stderr.
pub fn cli(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_distill-lab"))
        .args(args)
        .output()
        .expect("the CLI runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
