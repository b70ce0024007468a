//! Your own teacher and images of your own size, natively: a teacher's weight file (from
//! `train-teacher`, or `tools/export_teacher.py`) given as `--teacher` to `distill`, `evaluate`
//! and `analyze`, its logits computed on the dataset; one of the wrong class count refused; and
//! IDX images of another size than 28×28 resized the draw pad's way.

mod common;

use common::own::*;
use common::{cli, gz, idx_labels, mnist};
use distill_lab::data::{mnist_like, Dataset, PIXELS, SIDE};

#[test]
fn a_weight_file_is_a_teacher_for_distill_evaluate_and_analyze() {
    let data = make("five-w", &five_classes, None);
    let models = TempDir::new("five-w-models");
    train_teacher(&data, &models, "mlp:256");
    let weights = models.path().join("t.safetensors");
    let logits = models.path().join("t.logits.safetensors");
    let (w, l) = (weights.to_str().unwrap(), logits.to_str().unwrap());

    // The teacher compared with itself, its logits computed from its weights: it agrees on
    // every test image, at no KL.
    let (code, out, err) = cli(&[
        "evaluate",
        "--data",
        data.arg(),
        "--teacher",
        w,
        "--weights",
        w,
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("computing the teacher's logits"), "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["report"]["agreement"].as_f64(), Some(1.0), "{out}");
    assert!(report["report"]["meanKl"].as_f64().unwrap() < 1e-9, "{out}");

    // Distilling from the weight file (f32 logits) or from its f16 logits file: the same student
    // within a few test images.
    let run = |teacher: &str, method: &str| {
        let (code, out, err) = cli(&[
            "distill",
            "--data",
            data.arg(),
            "--teacher",
            teacher,
            "--student",
            "mlp:64",
            "--method",
            method,
            "--epochs",
            "3",
            "--batch-size",
            "64",
            "--seed",
            "3",
        ]);
        assert_eq!(code, 0, "{method}: {err}");
        summary_accuracy(&out)
    };
    let (from_weights, from_logits) = (run(w, "hinton"), run(l, "hinton"));
    eprintln!("hinton from the weights {from_weights:.4}, from the logits file {from_logits:.4}");
    assert!(
        (from_weights - from_logits).abs() <= 0.005,
        "{from_weights} vs {from_logits}"
    );
    assert!(from_weights > 0.8, "{from_weights}");
    // A feature method takes the teacher's network from the same file.
    assert!(run(w, "fitnets") > 0.8);

    // The dark-knowledge matrix of the weights equals the logits file's up to f16 rounding.
    let sim = |teacher: &str| {
        let (code, out, err) = cli(&[
            "analyze",
            "similarity",
            "--data",
            data.arg(),
            "--teacher",
            teacher,
            "--json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let m: Vec<f64> = v["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        m
    };
    let (a, b) = (sim(w), sim(l));
    assert_eq!(a.len(), 25);
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(worst < 2e-3, "{worst}");

    // A 10-class teacher for a 5-class set: refused, naming the file and both counts.
    let (code, _, err) = cli(&[
        "distill",
        "--data",
        data.arg(),
        "--teacher",
        "www/models/mnist-teacher.safetensors",
        "--epochs",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mnist-teacher.safetensors"), "{err}");
    assert!(
        err.contains("a teacher of 10 classes, and the dataset 'distill-lab-own-five-w"),
        "{err}"
    );
}

/// `n` MNIST images of a split padded with black to `side × side` (the digit in the middle).
fn padded(train: bool, n: usize, side: usize) -> (Vec<u8>, Vec<u8>) {
    let data = mnist();
    let split = if train { &data.train } else { &data.test };
    let o = (side - SIDE) / 2;
    let mut images = vec![0u8; n * side * side];
    for i in 0..n {
        for r in 0..SIDE {
            let src = &split.images[i * PIXELS + r * SIDE..i * PIXELS + (r + 1) * SIDE];
            let at = i * side * side + (r + o) * side + o;
            images[at..at + SIDE].copy_from_slice(src);
        }
    }
    (images, split.labels[..n].to_vec())
}

#[test]
fn images_of_another_size_are_resized_the_draw_pads_way() {
    let dir = TempDir::new("sized");
    let side = 36;
    for (prefix, train, n) in [("train", true, 300), ("t10k", false, 100)] {
        let (images, labels) = padded(train, n, side);
        dir.write(
            &format!("{prefix}-images-idx3-ubyte.gz"),
            &gz(&idx_images(n, side, side, &images)),
        );
        dir.write(
            &format!("{prefix}-labels-idx1-ubyte.gz"),
            &gz(&idx_labels(&labels)),
        );
    }
    let data = Dataset::load_folder(dir.path()).unwrap();
    assert_eq!(
        (data.train.len(), data.test.len(), data.classes()),
        (300, 100, 10)
    );
    let (images, _) = padded(true, 300, side);
    for i in [0, 1, 299] {
        let want = mnist_like(&images[i * side * side..(i + 1) * side * side], side, side).unwrap();
        assert_eq!(
            &data.train.images[i * PIXELS..(i + 1) * PIXELS],
            &want[..],
            "image {i}"
        );
    }
    // Resized, an image is not the original 28×28 one (the draw pad scales the digit's box to
    // 20×20 and centres its mass), but it is close to it.
    let original = &mnist().train.images[..PIXELS];
    assert_ne!(&data.train.images[..PIXELS], original);
    let inked = |img: &[u8]| img.iter().filter(|&&g| g > 128).count() as f64;
    let ratio = inked(&data.train.images[..PIXELS]) / inked(original);
    assert!((0.6..1.6).contains(&ratio), "{ratio}");
}
