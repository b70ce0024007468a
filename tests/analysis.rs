//! The teaching views' core on the real data: drawing preprocessing, the race's identical
//! start and batches, why τ², and the CLI's matrix and weight evaluation.

mod common;

use std::process::Command;

use burn::tensor::{Tensor, TensorData};
use common::{mnist, mnist_teacher as teacher};
use distill_lab::analysis::{compare, log_spaced, similarity, soft_gradient_norms};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::{mnist_like, PIXELS};
use distill_lab::model::{argmax, load_weights, save_weights, ModelSpec, Net};
use distill_lab::train::{predict, race, TrainConfig};

fn cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_distill-lab"))
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {err}");
    String::from_utf8(out.stdout).unwrap()
}

/// A test digit drawn large and off-centre on a bigger canvas, as a user would on the pad.
fn drawn(image: &[u8], scale: usize, (w, h): (usize, usize), (ox, oy): (usize, usize)) -> Vec<u8> {
    let mut canvas = vec![0u8; w * h];
    for y in 0..28 * scale {
        for x in 0..28 * scale {
            canvas[(y + oy) * w + x + ox] = image[(y / scale) * 28 + x / scale];
        }
    }
    canvas
}

fn correlation(a: &[u8], b: &[u8]) -> f64 {
    let mean = |v: &[u8]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x) - ma, f64::from(y) - mb);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    sab / (saa * sbb).sqrt()
}

#[test]
fn a_redrawn_test_digit_is_preprocessed_back_to_mnist_and_the_teacher_agrees() {
    let data = mnist();
    let device = cpu_device();
    let path = "www/models/mnist-teacher.safetensors";
    let (_, net, _) = load_weights(path, &std::fs::read(path).unwrap(), None, &device).unwrap();
    let n = 40;
    let mut images = Vec::new();
    let mut corr = 0.0;
    for i in 0..n {
        let original = &data.test.images[i * PIXELS..(i + 1) * PIXELS];
        let canvas = drawn(original, 4, (200, 180), (7 + i, 31 + i / 2));
        let img = mnist_like(&canvas, 200, 180).unwrap();
        corr += correlation(original, &img) / n as f64;
        images.extend(img);
    }
    // Not 1: MNIST's anti-aliased digits often span 21–22 pixels, which we fit back into 20, and
    // the centre of mass is placed to the nearest pixel.
    assert!(corr > 0.7, "mean correlation with the originals {corr}");
    let logits = block_on(predict(&net, &images, &device)).unwrap();
    let right = logits
        .chunks_exact(10)
        .zip(&data.test.labels)
        .filter(|(row, &y)| argmax(row) == y as usize)
        .count();
    assert!(
        right >= n - 1,
        "the teacher recognises {right} of {n} redrawn digits"
    );
}

#[test]
fn racing_students_start_from_identical_weights_and_see_identical_batches() {
    let config = TrainConfig {
        student: "mlp:64".into(),
        batch_size: 50,
        seed: 7,
        ..TrainConfig::default()
    };
    let device = cpu_device();
    let (mut d, mut b) = race(config.clone(), mnist(), vec![teacher()], &device).unwrap();
    assert!(d.has_teacher() && !b.has_teacher());
    assert_eq!(d.init_fingerprint(), b.init_fingerprint());
    let (wd, wb) = (
        block_on(d.model().to_host()).unwrap(),
        block_on(b.model().to_host()).unwrap(),
    );
    assert_eq!(wd, wb, "initial weights differ");
    let (rd, rb) = (
        block_on(d.train_steps(30)).unwrap(),
        block_on(b.train_steps(30)).unwrap(),
    );
    assert_eq!(d.batch_fingerprint(), b.batch_fingerprint());
    assert_ne!(rd.losses, rb.losses, "the two losses should differ");
    // After training, the weights differ: only the loss told them apart.
    assert_ne!(
        block_on(d.model().to_host()).unwrap(),
        block_on(b.model().to_host()).unwrap()
    );
    // The fingerprints do tell other seeds (other weights, other batches) apart.
    let (mut other, _) = race(
        TrainConfig { seed: 8, ..config },
        mnist(),
        vec![teacher()],
        &device,
    )
    .unwrap();
    assert_ne!(other.init_fingerprint(), d.init_fingerprint());
    block_on(other.train_steps(30)).unwrap();
    assert_ne!(other.batch_fingerprint(), d.batch_fingerprint());
}

#[test]
fn without_tau_squared_the_soft_gradient_fades_with_temperature() {
    let data = mnist();
    let t = teacher();
    let device = cpu_device().autodiff();
    let spec = ModelSpec::parse("mlp:128").unwrap();
    let net = Net::init(&spec, 10, 1, &device);
    let idx: Vec<usize> = (0..256).collect();
    let x = Tensor::<2>::from_data(
        TensorData::new(data.train.inputs(&idx), [256, PIXELS]),
        &device,
    );
    let tl = Tensor::<2>::from_data(TensorData::new(t.train_rows(&idx), [256, 10]), &device);
    let taus = log_spaced(0.5, 20.0, 12);
    assert!((taus[0] - 0.5).abs() < 1e-5 && (taus[11] - 20.0).abs() < 1e-3);
    let points = block_on(soft_gradient_norms(&net, x, tl, &taus)).unwrap();
    let at = |tau: f32| {
        points
            .iter()
            .min_by(|a, b| (a.tau - tau).abs().total_cmp(&(b.tau - tau).abs()))
            .unwrap()
    };
    let (lo, hi) = (at(3.0), at(20.0));
    assert!(
        hi.plain < lo.plain / 10.0,
        "plain {} → {}",
        lo.plain,
        hi.plain
    );
    let ratio = hi.scaled / lo.scaled;
    assert!(
        (0.3..3.0).contains(&ratio),
        "with τ² {} → {}",
        lo.scaled,
        hi.scaled
    );
    assert!(points
        .iter()
        .all(|p| (p.scaled - p.plain * f64::from(p.tau).powi(2)).abs() < 1e-9 * p.scaled.max(1.0)));
}

#[test]
fn the_cli_prints_the_library_similarity_matrix() {
    let out = cli(&[
        "analyze",
        "similarity",
        "--dataset",
        "mnist",
        "--tau",
        "4",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let s = similarity(&teacher().test, &mnist().test.labels, 4.0, 3).unwrap();
    let m: Vec<f64> = v["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(m.len(), 100);
    for (a, b) in m.iter().zip(&s.matrix) {
        assert!((a - b).abs() < 1e-12);
    }
    // The teacher finds 4 and 9 the most alike MNIST digits.
    assert_eq!(
        (v["pairs"][0]["a"].as_u64(), v["pairs"][0]["b"].as_u64()),
        (Some(4), Some(9))
    );
    let table = cli(&[
        "analyze",
        "similarity",
        "--dataset",
        "fashion",
        "--tau",
        "2",
    ]);
    assert!(table.contains("T-shirt/top ↔ Shirt"), "{table}");
}

#[test]
fn the_cli_evaluates_a_saved_student_like_the_library() {
    let data = mnist();
    let device = cpu_device();
    let spec = ModelSpec::parse("mlp:16").unwrap();
    let net = Net::init(&spec, 10, 3, &device);
    let file = std::env::temp_dir().join(format!(
        "distill-lab-eval-{}.safetensors",
        std::process::id()
    ));
    std::fs::write(&file, block_on(save_weights(&net, &spec, &[])).unwrap()).unwrap();
    let out = cli(&[
        "evaluate",
        "--dataset",
        "mnist",
        "--json",
        "--weights",
        file.to_str().unwrap(),
    ]);
    std::fs::remove_file(&file).ok();
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let logits = block_on(predict(&net, &data.test.images, &device)).unwrap();
    let want = compare(&logits, &teacher().test, &data.test.labels);
    let got: Vec<u8> = v["report"]["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(got, want.predictions);
    assert_eq!(
        v["report"]["testErrors"].as_u64(),
        Some(want.test_errors as u64)
    );
}
