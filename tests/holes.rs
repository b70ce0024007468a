//! Holes found in a review (issue 17, point 7), each with the test that failed before its fix:
//! the int8 file's range check and bias sums, the size of what the CLI reads and of the networks
//! it builds, and what a link can make the "why τ²" view build before the visitor presses
//! anything. (The gzip buffer's bound is tested in `fuzz.rs`, which measures allocations.)

use std::ops::Range;
use std::path::Path;
use std::process::Command;

use distill_lab::analysis::{view_student, VIEW_MAX_PARAMS};
use distill_lab::data::read_file;
use distill_lab::model::{ModelSpec, Net, QuantNet, MAX_PARAMS};

/// A 784-3-10 integer network at `bits`, as a file.
fn int8_file(bits: u32) -> Vec<u8> {
    let spec = ModelSpec::parse("mlp:3").unwrap();
    let host = Net::init_host(&spec, 10, 1);
    let calibration: Vec<u8> = (0..4 * 784).map(|i| (i * 7 % 256) as u8).collect();
    QuantNet::quantize(&spec, &host, bits, &calibration)
        .unwrap()
        .to_bytes(&[])
        .unwrap()
}

/// Where tensor `key`'s bytes are in a safetensors file.
fn tensor_range(bytes: &[u8], key: &str) -> Range<usize> {
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    let at = |i: usize| header[key]["data_offsets"][i].as_u64().unwrap() as usize + 8 + len;
    at(0)..at(1)
}

/// −128 is outside ±(2^(b−1) − 1) at every width; `i8::abs(−128)` panicked in the dev CLI and
/// wrapped (accepting it) in release.
#[test]
fn an_int8_weight_of_minus_128_is_refused_not_a_panic() {
    for bits in [2, 8] {
        let mut bytes = int8_file(bits);
        let w = tensor_range(&bytes, "layers.0.weight");
        bytes[w.start + 5] = 0x80;
        let e = QuantNet::from_bytes("q.safetensors", &bytes).unwrap_err();
        let levels = (1 << (bits - 1)) - 1;
        assert!(
            e.message().contains("q.safetensors")
                && e.message().contains(&format!("-128, outside ±{levels}")),
            "{bits} bits: {e}"
        );
    }
}

/// A bias of i32::MAX from the file plus a positive integer sum overflowed i32.
#[test]
fn a_file_bias_of_i32_max_does_not_overflow_the_sum() {
    let mut bytes = int8_file(8);
    let w = tensor_range(&bytes, "layers.0.weight");
    bytes[w].fill(1); // every weight +1: a positive sum on a bright image
    let b = tensor_range(&bytes, "layers.0.bias");
    for at in b.step_by(4) {
        bytes[at..at + 4].copy_from_slice(&i32::MAX.to_le_bytes());
    }
    let q = QuantNet::from_bytes("q.safetensors", &bytes).unwrap();
    let logits = q.logits(&[255u8; 784]);
    assert_eq!(logits.len(), 10);
    assert!(logits.iter().all(|v| v.is_finite()), "{logits:?}");
}

/// `std::fs::read` of `/dev/zero` never ends (until memory runs out).
#[test]
fn reading_dev_zero_stops_at_the_bound_with_a_message() {
    let e = read_file(Path::new("/dev/zero"), 1 << 20).unwrap_err();
    assert!(
        e.message().contains("/dev/zero") && e.message().contains("larger than"),
        "{e}"
    );
    let small = read_file(Path::new("Cargo.toml"), 1 << 20).unwrap();
    assert_eq!(small, std::fs::read("Cargo.toml").unwrap());
    let e = read_file(Path::new("Cargo.toml"), 10).unwrap_err();
    assert!(e.message().contains("Cargo.toml"), "{e}");
    assert!(read_file(Path::new("no/such/file"), 10)
        .unwrap_err()
        .message()
        .contains("no/such/file"));
}

fn cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_distill-lab"))
        .args(args)
        .output()
        .expect("the CLI runs");
    let code = out.status.code().unwrap_or(-1);
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_cli_refuses_dev_zero_as_weights_with_a_message() {
    let (code, err) = cli(&["evaluate", "--dataset", "mnist", "--weights", "/dev/zero"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/dev/zero") && err.contains("larger than"),
        "{err}"
    );
}

/// Widths and depth alone allowed 8 × 8192 (537 M parameters, ~8.6 GB with Adam): the CLI
/// aborted on allocation instead of refusing.
#[test]
fn networks_above_the_parameter_limit_are_refused() {
    let huge = "mlp:8192,8192,8192,8192,8192,8192,8192,8192";
    let e = ModelSpec::parse(huge).unwrap_err();
    assert!(
        e.message().contains("parameters") && e.message().contains(huge),
        "{e}"
    );
    assert!(
        ModelSpec::parse("cnn:256,256,8192").is_err(),
        "102 M parameters"
    );
    // Large but legal networks still parse.
    let big = ModelSpec::parse("mlp:4096,4096,4096,4096").unwrap();
    assert!(big.num_params(10) <= MAX_PARAMS);
    ModelSpec::parse("mlp:1200,1200").unwrap();
    let (code, err) = cli(&["distill", "--student", huge, "--epochs", "1"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("student") && err.contains("parameters"),
        "{err}"
    );
}

/// `#hidden=4096,4096,4096,4096` made the view build and differentiate a 53.6 M-parameter
/// student on page load, and its widths skipped `ModelSpec::parse` (a width of 0 reached
/// `Net::init`).
#[test]
fn the_why_view_builds_only_small_valid_students_before_a_run() {
    assert_eq!(view_student(&[128], 10).unwrap().to_string(), "mlp:128");
    assert_eq!(view_student(&[], 10).unwrap().to_string(), "mlp:");
    assert_eq!(
        view_student(&[800, 800], 10).unwrap().to_string(),
        "mlp:800,800"
    );
    let e = view_student(&[4096; 4], 10).unwrap_err();
    assert!(
        e.message().contains("53") && e.message().contains(&VIEW_MAX_PARAMS.to_string()),
        "{e}"
    );
    for bad in [
        vec![0],
        vec![usize::MAX],
        vec![u32::MAX as usize],
        vec![8; 9],
    ] {
        assert!(view_student(&bad, 10).is_err(), "{bad:?}");
    }
}
