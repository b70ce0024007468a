//! Weight and logits files: round trips, and clear errors for bad files.

use std::collections::HashMap;

use burn::tensor::{Tensor, TensorData};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::model::{
    load_logits, load_weights, read_f32, save_logits, save_weights, ModelSpec, Net, TeacherLogits,
};

fn logits_of(net: &Net) -> Vec<f32> {
    let device = cpu_device();
    let x: Vec<f32> = (0..3 * 784).map(|i| (i % 17) as f32 / 17.0).collect();
    let x = Tensor::<2>::from_data(TensorData::new(x, [3, 784]), &device);
    block_on(read_f32(net.forward(x, 0.0))).unwrap()
}

#[test]
fn weights_round_trip_for_mlp_and_cnn() {
    let device = cpu_device();
    for spec in ["mlp:32,16", "mlp:", "cnn:4,8,16"] {
        let spec = ModelSpec::parse(spec).unwrap();
        let net = Net::init(&spec, 10, 5, &device);
        let bytes = block_on(save_weights(&net, &spec, &[("note", "x".into())])).unwrap();
        let (spec2, net2, meta) = load_weights("w", &bytes, Some(&spec), &device).unwrap();
        assert_eq!(spec2, spec);
        assert_eq!(meta["note"], "x");
        assert_eq!(logits_of(&net), logits_of(&net2));
        // Same seed, same weights; another seed, other weights.
        assert_eq!(
            logits_of(&Net::init(&spec, 10, 5, &device)),
            logits_of(&net)
        );
        assert_ne!(
            logits_of(&Net::init(&spec, 10, 6, &device)),
            logits_of(&net)
        );
    }
}

#[test]
fn bad_weight_files_give_clear_errors() {
    let device = cpu_device();
    let spec = ModelSpec::parse("mlp:8").unwrap();
    let bytes = block_on(save_weights(&Net::init(&spec, 10, 1, &device), &spec, &[])).unwrap();
    let err = |b: &[u8], want: Option<&str>| {
        let expect = want.map(|w| ModelSpec::parse(w).unwrap());
        load_weights("model.safetensors", b, expect.as_ref(), &device)
            .expect_err("must fail")
            .to_string()
    };
    assert!(err(&bytes[..bytes.len() - 7], None).contains("not a valid safetensors"));
    assert!(err(b"garbage", None).contains("model.safetensors"));
    assert!(err(&bytes, Some("mlp:9")).contains("expected a mlp:9"));
    // A file whose tensor has the wrong shape for its declared spec.
    let other = ModelSpec::parse("mlp:9").unwrap();
    let mut bytes9 = block_on(save_weights(
        &Net::init(&other, 10, 1, &device),
        &other,
        &[],
    ))
    .unwrap();
    let header_len = u64::from_le_bytes(bytes9[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes9[8..8 + header_len].to_vec()).unwrap();
    let patched = header.replace("mlp:9", "mlp:8");
    assert_eq!(patched.len(), header.len());
    bytes9[8..8 + header_len].copy_from_slice(patched.as_bytes());
    let e = err(&bytes9, None);
    assert!(e.contains("shape") && e.contains("layers.0.weight"), "{e}");
}

#[test]
fn logits_round_trip_in_f16_and_reject_bad_files() {
    let train: Vec<f32> = (0..40).map(|i| (i as f32 - 20.0) * 1.37).collect();
    let test: Vec<f32> = (0..20).map(|i| i as f32 * 0.1).collect();
    let mut meta = HashMap::new();
    meta.insert("dataset".to_string(), "mnist".to_string());
    let l = TeacherLogits {
        train: train.clone(),
        test,
        classes: 10,
        meta,
    };
    let bytes = save_logits(&l).unwrap();
    let back = load_logits("t.logits", &bytes).unwrap();
    for (a, b) in back.train.iter().zip(&train) {
        assert!((a - b).abs() <= 0.02, "{a} vs {b}");
    }
    assert_eq!(back.train_rows(&[1])[..], back.train[10..20]);
    assert!(load_logits("t.logits", &bytes[..bytes.len() / 2]).is_err());
    let e = load_logits("t.logits", b"\x08\0\0\0\0\0\0\0{}      ").unwrap_err();
    assert!(e.message().contains("t.logits"), "{e}");
    // Weights are not logits.
    let device = cpu_device();
    let spec = ModelSpec::parse("mlp:").unwrap();
    let w = block_on(save_weights(&Net::init(&spec, 10, 1, &device), &spec, &[])).unwrap();
    assert!(load_logits("t.logits", &w)
        .unwrap_err()
        .message()
        .contains("format"));
    // Non-finite logits are refused.
    let bad = TeacherLogits {
        train: vec![f32::NAN; 10],
        test: vec![0.0; 10],
        classes: 10,
        meta: HashMap::new(),
    };
    let e = load_logits("t.logits", &save_logits(&bad).unwrap()).unwrap_err();
    assert!(e.message().contains("non-finite"), "{e}");
}
