//! The relation-based losses against PyTorch (tests/golden/gen_relational.py → relational.json):
//! CCKD's correlation matrix and loss, SP's similarity matrix and loss, each loss's gradient with
//! respect to the student features (burn autodiff), on batches of 1 to 16, different student and
//! teacher widths, identical rows, all-zero and one-zero-row students, and features scaled by
//! 1e3 and 1e-3.
//!
//! Tolerances (f32 against float64). Matrix entries (all in [−1, 1]): the house rule of
//! tests/common/golden.rs, `|a − b| ≤ 1e-5·max(1, |b|)` (measured: ≤ 1.3e-7). The loss: that rule
//! and `|a − b| ≤ 1e-5·|b| + 1e-9`, because the losses are small, 2e-3 to 0.3 (measured: relative
//! error ≤ 3.2e-7). Each gradient entry: that rule and `|g − w| ≤ 1e-4·max|w| + 1e-6 / max(1,
//! max|x|)`, `max|w|` the case's largest gradient and `max|x|` its largest feature: both losses
//! are scale-free in the student's features, so their gradients shrink like 1/|x| (below 1e-5
//! for the 1e3-scaled cases, where the house rule alone would test nothing), and the second term
//! is the f32 rounding left where the exact gradient is 0 (identical rows; measured: 1.5e-8 at
//! max|x| = 2.4). Measured largest relative gradient error: 1.1e-6 of `max|w|`.
mod common;

use burn::tensor::{Tensor, TensorData};
use common::golden::{close, floats};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::method::cckd::{cckd_correlation, cckd_loss};
use distill_lab::method::sp::{sp_loss, sp_similarity};
use distill_lab::model::read_f32;
use serde_json::Value;

fn t2(v: &Value, shape: &Value, device: &burn::tensor::Device) -> Tensor<2> {
    let d: Vec<usize> = shape
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    Tensor::from_data(TensorData::new(floats(v), [d[0], d[1]]), device)
}

fn want(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// One case: the student's matrix, the loss and its gradient; panics on the first mismatch.
fn check(c: &Value, device: &burn::tensor::Device) {
    let name = c["name"].as_str().unwrap();
    let s = t2(&c["student"], &c["shape"], device).require_grad();
    let t = t2(&c["inputs"]["teacher"], &c["shapes"]["teacher"], device);
    let (matrix, loss) = match c["loss"].as_str().unwrap() {
        "cckd" => {
            let gamma = c["params"]["gamma"].as_f64().unwrap() as f32;
            let order = c["params"]["order"].as_u64().unwrap() as usize;
            (
                cckd_correlation(s.clone(), gamma, order),
                cckd_loss(s.clone(), t, gamma, order),
            )
        }
        "sp" => (sp_similarity(s.clone()), sp_loss(s.clone(), t)),
        other => panic!("unknown loss {other}"),
    };
    let m = block_on(read_f32(matrix)).unwrap();
    let m_want = want(&c["matrix"]);
    assert_eq!(m.len(), m_want.len(), "{name}");
    for (i, (a, b)) in m.iter().zip(&m_want).enumerate() {
        assert!(close(*a, *b), "{name}: matrix[{i}] {a} vs PyTorch {b}");
    }
    let grads = loss.backward();
    let g = block_on(read_f32(s.grad(&grads).expect("gradient"))).unwrap();
    let value = block_on(read_f32(loss)).unwrap()[0];
    let v_want = c["value"].as_f64().unwrap();
    let dv = (value as f64 - v_want).abs();
    assert!(
        close(value, v_want) && dv <= 1e-5 * v_want.abs() + 1e-9,
        "{name}: loss {value} vs PyTorch {v_want}"
    );
    let g_want = want(&c["grad"]);
    assert_eq!(g.len(), g_want.len(), "{name}");
    let scale = g_want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    let x_max = floats(&c["student"])
        .iter()
        .fold(1.0f64, |m, x| m.max(x.abs() as f64));
    let bound = 1e-4 * scale + 1e-6 / x_max;
    for (i, (a, b)) in g.iter().zip(&g_want).enumerate() {
        let d = (*a as f64 - b).abs();
        assert!(
            close(*a, *b) && d <= bound,
            "{name}: grad[{i}] {a} vs PyTorch {b} (bound {bound:e})"
        );
    }
}

#[test]
fn relational_losses_and_gradients_match_pytorch() {
    let golden: Value = serde_json::from_str(include_str!("golden/relational.json")).unwrap();
    let device = cpu_device().autodiff();
    let cases = golden["cases"].as_array().unwrap();
    let count = |kind: &str| cases.iter().filter(|c| c["loss"] == kind).count();
    assert!(count("cckd") >= 10 && count("sp") >= 10, "cases missing");
    for c in cases {
        check(c, &device);
    }
}
