//! Reading golden files and comparing against them.

use serde_json::Value;

/// |a − b| ≤ 1e-5 · max(1, |b|): 1e-5 absolute for values up to 1, relative beyond (the
/// extreme cases reach losses above 1000, where f32 itself only resolves ~1e-4).
pub fn close(a: f32, b: f64) -> bool {
    a.is_finite() && ((a as f64) - b).abs() <= 1e-5 * b.abs().max(1.0)
}

/// A JSON array of numbers as f32 (what the Rust side computes with).
pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// Asserts a loss value and its gradient equal the case's `value_key` and `grad` within [`close`].
pub fn assert_golden(name: &str, value: f32, grad: &[f32], case: &Value, value_key: &str) {
    let want = case[value_key].as_f64().unwrap();
    assert!(close(value, want), "{name}: loss {value} vs PyTorch {want}");
    let want_grad: Vec<f64> = case["grad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(grad.len(), want_grad.len(), "{name}");
    for (i, (g, w)) in grad.iter().zip(&want_grad).enumerate() {
        assert!(close(*g, *w), "{name}: grad[{i}] {g} vs PyTorch {w}");
    }
}
