//! Quantization: the integer network against the float one, its file format and its checks,
//! and quantization-aware distillation training a student whose int8 export keeps its accuracy.

mod common;

use common::{mnist, mnist_teacher};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::PIXELS;
use distill_lab::method::MethodRef;
use distill_lab::model::{argmax, load_weights, save_weights, ModelSpec, Net, QuantNet};
use distill_lab::train::{evaluate_logits, predict, Run, TrainConfig};
/// The registered method `key`.
fn m(key: &str) -> MethodRef {
    MethodRef::parse(key).unwrap()
}

/// Share of rows of two `[n, 10]` logit tables with the same top class.
fn agreement(a: &[f32], b: &[f32]) -> f64 {
    let same = a
        .chunks_exact(10)
        .zip(b.chunks_exact(10))
        .filter(|(x, y)| argmax(x) == argmax(y))
        .count();
    same as f64 / (a.len() / 10) as f64
}

fn teacher_cnn() -> (ModelSpec, Net) {
    let path = "www/models/mnist-teacher.safetensors";
    let (spec, net, _) =
        load_weights(path, &std::fs::read(path).unwrap(), None, &cpu_device()).unwrap();
    (spec, net)
}

#[test]
fn the_integer_cnn_agrees_with_the_float_cnn() {
    // The bundled CNN teacher through the integer path: convolution layout, padding, pooling
    // and flattening must all match burn's, or the agreement collapses.
    let (spec, net) = teacher_cnn();
    let data = mnist();
    let host = block_on(net.to_host()).unwrap();
    let q = QuantNet::quantize(&spec, &host, 8, &data.train.images[..200 * PIXELS]).unwrap();
    let images = &data.test.images[..500 * PIXELS];
    let float = block_on(predict(&net, images, &cpu_device())).unwrap();
    let int = q.logits(images);
    let a = agreement(&float, &int);
    eprintln!(
        "int8 CNN agrees with float on {:.1} % of 500 test images",
        100.0 * a
    );
    assert!(a >= 0.99, "agreement {a}");
    // Dynamic activation scales (each image's own maxima) agree as well.
    let dynamic = agreement(&float, &q.logits_dynamic(images));
    assert!(dynamic >= 0.99, "dynamic agreement {dynamic}");
    // The dequantized weights are within half a step of the float ones.
    for ((w, _), (d, _)) in host.iter().zip(q.dequantize()) {
        let max = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let worst = w
            .iter()
            .zip(&d)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst <= max / 127.0 / 2.0 + 1e-6,
            "{worst} vs step {}",
            max / 127.0
        );
    }
    // At 2 bits the same network is visibly worse: the test can tell bits apart.
    let q2 = QuantNet::quantize(&spec, &host, 2, &data.train.images[..200 * PIXELS]).unwrap();
    assert!(agreement(&float, &q2.logits(images)) < a);
}

#[test]
fn int8_files_round_trip_and_bad_files_are_refused() {
    let spec = ModelSpec::parse("mlp:128").unwrap();
    let net = Net::init(&spec, 10, 3, &cpu_device());
    let host = block_on(net.to_host()).unwrap();
    let calibration = &mnist().train.images[..100 * PIXELS];
    let q = QuantNet::quantize(&spec, &host, 8, calibration).unwrap();
    let bytes = q.to_bytes(&[("note", "test".into())]).unwrap();
    let back = QuantNet::from_bytes("q.safetensors", &bytes).unwrap();
    assert_eq!(back, q);
    let float = block_on(save_weights(&net, &spec, &[])).unwrap();
    let ratio = bytes.len() as f64 / float.len() as f64;
    eprintln!(
        "int8 {} bytes, float {} bytes: {ratio:.4}",
        bytes.len(),
        float.len()
    );
    assert!(ratio < 0.26, "{ratio}");

    let err = |b: &[u8]| {
        QuantNet::from_bytes("q.safetensors", b)
            .unwrap_err()
            .to_string()
    };
    assert!(err(&bytes[..bytes.len() / 2]).contains("not a valid safetensors"));
    assert!(err(&float).contains("format"));
    // A 4-bit file whose codes exceed ±7.
    let q4 = QuantNet::quantize(&spec, &host, 4, calibration).unwrap();
    let mut b4 = q4.to_bytes(&[]).unwrap();
    let len = u64::from_le_bytes(b4[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&b4[8..8 + len]).unwrap();
    let start = header["layers.0.weight"]["data_offsets"][0]
        .as_u64()
        .unwrap() as usize;
    b4[8 + len + start] = 100;
    assert!(err(&b4).contains("outside ±7"), "{}", err(&b4));
    // Out-of-range bits are refused before any work.
    let e = QuantNet::quantize(&spec, &host, 9, calibration).unwrap_err();
    assert!(e.to_string().contains("bits = 9"), "{e}");
}

#[test]
fn quantization_aware_distillation_trains_and_exports_an_int8_student() {
    let config = TrainConfig {
        student: "mlp:64".into(),
        method: m("qat"),
        epochs: 2,
        train_limit: 10_000,
        lr: 2e-3,
        eval_every: 0,
        seed: 2,
        ..TrainConfig::default()
    };
    let data = mnist();
    let mut run = Run::new(config, data.clone(), Some(mnist_teacher()), &cpu_device()).unwrap();
    assert_eq!(run.fake_quant_bits(), Some(8));
    let before = block_on(run.evaluate()).unwrap().test_accuracy;
    let report = block_on(run.train_steps(run.total_steps())).unwrap();
    assert!(report.nan_paused.is_none());
    let fake = block_on(run.evaluate()).unwrap();
    let q = block_on(run.quantize(8)).unwrap();
    let int = evaluate_logits(0, &q.logits(&data.test.images), &data.test.labels);
    eprintln!(
        "qat: {before:.4} → fake-quant {:.4}, int8 {:.4}",
        fake.test_accuracy, int.test_accuracy
    );
    assert!(before < 0.3 && fake.test_accuracy >= 0.88);
    // The integer network is what the fake-quantized one simulated, up to calibration.
    assert!(
        (int.test_accuracy - fake.test_accuracy).abs() <= 0.005,
        "int8 {} vs fake-quant {}",
        int.test_accuracy,
        fake.test_accuracy
    );
    // A hard-label run is never fake-quantized, whatever the method says.
    let baseline = Run::new(run.config().clone(), data, None, &cpu_device()).unwrap();
    assert_eq!(baseline.fake_quant_bits(), None);
}
