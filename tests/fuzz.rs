//! Mutation fuzzing of every loader of outside bytes (see `common/fuzz.rs`): IDX images and
//! labels (raw, gzip, and mutated before gzip), safetensors weights and logits, the int8 file
//! (then run on an image), the teacher's feature-statistics JSON and the architecture text of a
//! file's metadata. No panic, every error names the file, no single allocation beyond the
//! loader's bound for the input's size.
//!
//! `cargo test --test fuzz` runs a short pass; `FUZZ_EXECS=N` sets the executions per loader
//! (`make fuzz`). Regressions found by fuzzing are at the end.

mod common;
#[allow(dead_code)]
#[path = "common/fuzz.rs"]
mod fuzz_common;

use std::collections::{BTreeMap, HashMap};

use common::{gz, idx_labels};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::{gunzip_limited, parse_idx_images, parse_idx_labels, MAX_DECOMPRESSED};
use distill_lab::model::{
    file_format, file_spec, load_logits, load_weights, save_logits, save_weights, ModelSpec, Net,
    QuantNet, TeacherLogits,
};
use distill_lab::rng::Rng;
use distill_lab::train::{ChannelStats, FeatureStats, FEATURE_STATS_KEY};
use fuzz_common::{execs, fuzz, take_peak, PeakAlloc};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Executions per loader in `cargo test` (under a second each).
const SHORT: usize = 20_000;
/// Slack in every allocation bound: small fixed-size buffers (a deflate window, error text).
const SLACK: usize = 1 << 20;

fn idx_images(count: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [0x0803u32, count, rows, cols] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v.extend((0..count * rows * cols).map(|i| (i * 31 % 256) as u8));
    v
}

fn is_gzip(b: &[u8]) -> bool {
    b.starts_with(&[0x1f, 0x8b])
}

/// A raw IDX file is copied once; a gzip one inflates (≤ 1032:1 for deflate) within the cap.
fn idx_bound(input: &[u8]) -> usize {
    match is_gzip(input) {
        true => (input.len() * 2100 + SLACK).min(MAX_DECOMPRESSED),
        false => input.len() + SLACK,
    }
}

const IMAGES: &str = "t10k-images-idx3-ubyte.gz";
const LABELS: &str = "t10k-labels-idx1-ubyte.gz";

fn image_seeds() -> Vec<Vec<u8>> {
    let (a, b) = (idx_images(3, 28, 28), idx_images(2, 3, 5));
    vec![gz(&a), gz(&b), a, b, idx_images(0, 28, 28)]
}

fn label_seeds() -> Vec<Vec<u8>> {
    let l = idx_labels(&[3, 1, 4, 1, 5, 9, 2, 6]);
    vec![gz(&l), l, idx_labels(&[])]
}

fn check_images(name: &str, b: &[u8]) -> distill_lab::Result<()> {
    let img = parse_idx_images(name, b)?;
    assert_eq!(img.pixels.len(), img.count * img.rows * img.cols);
    Ok(())
}

fn check_labels(name: &str, b: &[u8]) -> distill_lab::Result<()> {
    let labels = parse_idx_labels(name, b, 10)?;
    assert!(labels.iter().all(|&l| l < 10));
    Ok(())
}

#[test]
fn fuzz_idx_images() {
    let load = |b: &[u8]| check_images(IMAGES, b);
    let r = fuzz(
        "idx-images",
        IMAGES,
        &image_seeds(),
        execs(SHORT),
        idx_bound,
        load,
    );
    assert!(r.accepted > 0);
}

#[test]
fn fuzz_idx_labels() {
    let load = |b: &[u8]| check_labels(LABELS, b);
    let r = fuzz(
        "idx-labels",
        LABELS,
        &label_seeds(),
        execs(SHORT),
        idx_bound,
        load,
    );
    assert!(r.accepted > 0);
}

/// The IDX file mutated before gzip (behind a valid gzip stream, where mutating the compressed
/// bytes rarely reaches): images and labels alike.
#[test]
fn fuzz_idx_behind_gzip() {
    let mut seeds: Vec<Vec<u8>> = image_seeds().into_iter().filter(|s| !is_gzip(s)).collect();
    seeds.extend(label_seeds().into_iter().filter(|s| !is_gzip(s)));
    let bound = |b: &[u8]| 4 * b.len() + SLACK;
    let name = "train-idx-ubyte.gz";
    fuzz("idx-gzip", name, &seeds, execs(SHORT), bound, |b| {
        match b.get(3) {
            Some(1) => check_labels(name, &gz(b)),
            _ => check_images(name, &gz(b)),
        }
    });
}

/// The same safetensors file with its header's keys in sorted order. The library writes the
/// metadata in `HashMap` order, which changes from run to run; the fuzzer's seeds must not.
fn canonical(bytes: Vec<u8>) -> Vec<u8> {
    use serde_json::Value;
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: BTreeMap<String, Value> = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let header: BTreeMap<String, Value> = header
        .into_iter()
        .map(|(k, v)| match v {
            Value::Object(m) => {
                let sorted: BTreeMap<String, Value> = m.into_iter().collect();
                (k, serde_json::to_value(sorted).unwrap())
            }
            v => (k, v),
        })
        .collect();
    let mut text = serde_json::to_vec(&header).unwrap();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + n..]);
    out
}

const WEIGHTS: &str = "student.safetensors";

fn weight_seeds() -> Vec<Vec<u8>> {
    let device = cpu_device();
    let stats = FeatureStats {
        layers: vec![ChannelStats {
            mean: vec![0.5, 1.0, 2.0],
            var: vec![0.1, 0.2, 0.3],
        }],
    };
    let json = serde_json::to_string(&stats).unwrap();
    ["mlp:", "mlp:3", "cnn:1,1,2", "mlp:2,2"]
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let spec = ModelSpec::parse(text).unwrap();
            let net = Net::init(&spec, 10, i as u64, &device);
            let extra = match i {
                1 => vec![
                    (FEATURE_STATS_KEY, json.clone()),
                    ("dataset", "mnist".into()),
                ],
                _ => vec![("step", "10".to_string())],
            };
            canonical(block_on(save_weights(&net, &spec, &extra)).unwrap())
        })
        .collect()
}

#[test]
fn fuzz_weights() {
    let device = cpu_device();
    let bound = |b: &[u8]| 2 * b.len() + SLACK;
    let r = fuzz(
        "weights",
        WEIGHTS,
        &weight_seeds(),
        execs(SHORT),
        bound,
        |b| {
            let _ = (file_format(b), file_spec(b));
            let (spec, _, meta) = load_weights(WEIGHTS, b, None, &device)?;
            // What data-free distillation reads from a teacher's metadata.
            FeatureStats::from_metadata(WEIGHTS, &meta, &spec)
        },
    );
    assert!(r.accepted > 0);
}

const LOGITS: &str = "mnist-teacher.logits.safetensors";

fn logit_seeds() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(5);
    let mut rows =
        |n: usize| -> Vec<f32> { (0..n * 10).map(|_| rng.uniform(-20.0, 20.0)).collect() };
    let meta = HashMap::from([
        ("dataset".to_string(), "mnist".to_string()),
        ("teacher".to_string(), "cnn:32,64,256".to_string()),
    ]);
    let a = TeacherLogits {
        train: rows(6),
        test: rows(4),
        classes: 10,
        meta,
    };
    let b = TeacherLogits {
        train: rows(1),
        test: rows(2),
        classes: 10,
        meta: HashMap::new(),
    };
    vec![
        canonical(save_logits(&a).unwrap()),
        canonical(save_logits(&b).unwrap()),
    ]
}

#[test]
fn fuzz_logits() {
    // f16 values become f32: twice the file's bytes.
    let bound = |b: &[u8]| 2 * b.len() + SLACK;
    let r = fuzz("logits", LOGITS, &logit_seeds(), execs(SHORT), bound, |b| {
        let l = load_logits(LOGITS, b)?;
        assert!(l.train.len() % 10 == 0 && l.test.len() % 10 == 0 && !l.test.is_empty());
        let labels = vec![1u8; l.test.len() / 10];
        let _ = l.test_accuracy(&labels);
        Ok(())
    });
    assert!(r.accepted > 0);
}

const INT8: &str = "student-int8.safetensors";

/// A few synthetic images: calibration for the seeds and inputs for the loaded networks.
fn images(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(9);
    (0..n * 784).map(|_| rng.below(256) as u8).collect()
}

fn int8_seeds() -> Vec<Vec<u8>> {
    let calibration = images(4);
    [("mlp:3", 8), ("mlp:3", 2), ("cnn:1,1,2", 4), ("mlp:", 8)]
        .iter()
        .map(|&(text, bits)| {
            let spec = ModelSpec::parse(text).unwrap();
            let host = Net::init_host(&spec, 10, 1);
            let q = QuantNet::quantize(&spec, &host, bits, &calibration).unwrap();
            canonical(q.to_bytes(&[("dataset", "mnist".into())]).unwrap())
        })
        .collect()
}

#[test]
fn fuzz_int8() {
    let image = images(1);
    let bound = |b: &[u8]| 4 * b.len() + SLACK;
    let r = fuzz("int8", INT8, &int8_seeds(), execs(SHORT), bound, |b| {
        let q = QuantNet::from_bytes(INT8, b)?;
        // The loaded network runs: integer sums with the file's biases, both activation modes.
        assert_eq!(q.logits(&image).len(), 10);
        assert_eq!(q.logits_dynamic(&image).len(), 10);
        assert_eq!(q.dequantize().len(), q.spec().layer_shapes(10).len());
        Ok(())
    });
    assert!(r.accepted > 0);
}

#[test]
fn fuzz_feature_stats_json() {
    let spec = ModelSpec::parse("cnn:2,3,4").unwrap();
    let layer = |n: usize| ChannelStats {
        mean: (0..n).map(|i| i as f32 * 0.25 - 0.5).collect(),
        var: (0..n).map(|i| 1.0 + i as f32).collect(),
    };
    let stats = FeatureStats {
        layers: vec![layer(2), layer(3), layer(4)],
    };
    let seeds = vec![
        serde_json::to_vec(&stats).unwrap(),
        serde_json::to_vec_pretty(&stats).unwrap(),
    ];
    let bound = |b: &[u8]| 8 * b.len() + SLACK;
    let r = fuzz("teacher-json", WEIGHTS, &seeds, execs(SHORT), bound, |b| {
        let text = String::from_utf8_lossy(b).into_owned();
        let meta = HashMap::from([(FEATURE_STATS_KEY.to_string(), text)]);
        FeatureStats::from_metadata(WEIGHTS, &meta, &spec).map(|s| assert!(s.is_some()))
    });
    assert!(r.accepted > 0);
}

#[test]
fn fuzz_model_spec() {
    let seeds: Vec<Vec<u8>> = ["mlp:800,800", "cnn:32,64,256", "mlp:", "mlp:1200,1200,10"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let bound = |b: &[u8]| 8 * b.len() + SLACK;
    fuzz("model-spec", WEIGHTS, &seeds, execs(SHORT), bound, |b| {
        let spec = ModelSpec::parse(&String::from_utf8_lossy(b)).map_err(|e| e.context(WEIGHTS))?;
        assert!(spec.num_params(10) <= distill_lab::model::MAX_PARAMS);
        // What a file's metadata names round-trips.
        assert_eq!(ModelSpec::parse(&spec.to_string()).as_ref(), Ok(&spec));
        Ok(())
    });
}

// Regressions.

/// The inflate buffer reserved 4× the compressed size, past the 64 MiB cap (80 MiB here).
#[test]
fn gunzip_never_reserves_more_than_the_cap() {
    let mut fake = vec![0u8; 20 << 20];
    fake[..2].copy_from_slice(&[0x1f, 0x8b]);
    take_peak();
    let e = gunzip_limited("fake.gz", &fake).unwrap_err();
    let peak = take_peak();
    assert!(e.message().contains("fake.gz"), "{e}");
    assert!(peak <= MAX_DECOMPRESSED, "{peak} bytes reserved");
}

/// A gzip bomb (a few KiB that inflate past the cap) is refused without the buffer doubling
/// past the cap.
#[test]
fn a_gzip_bomb_is_refused_within_the_cap() {
    let bomb = gz(&vec![0u8; MAX_DECOMPRESSED + 4096]);
    assert!(bomb.len() < MAX_DECOMPRESSED / 100, "{} bytes", bomb.len());
    take_peak();
    let e = parse_idx_images("bomb.gz", &bomb).unwrap_err();
    let peak = take_peak();
    assert!(
        e.message().contains("bomb.gz") && e.message().contains("oversized"),
        "{e}"
    );
    assert!(peak <= MAX_DECOMPRESSED, "{peak} bytes reserved");
}
