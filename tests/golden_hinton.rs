//! Hinton's loss and its gradient against PyTorch (tests/golden/gen.py → hinton.json).

mod common;

use burn::tensor::{Tensor, TensorData};
use common::golden::{assert_golden, floats};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::distill::hinton_loss;
use distill_lab::model::read_f32;
use distill_lab::train::soft_term;
use serde_json::Value;

#[test]
fn hinton_loss_and_gradient_match_pytorch() {
    let golden: Value =
        serde_json::from_str(include_str!("golden/hinton.json")).expect("golden file parses");
    let device = cpu_device().autodiff();
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (b, k) = (
            c["batch"].as_u64().unwrap() as usize,
            c["classes"].as_u64().unwrap() as usize,
        );
        let (alpha, tau) = (
            c["alpha"].as_f64().unwrap() as f32,
            c["tau"].as_f64().unwrap() as f32,
        );
        let mut one_hot = vec![0.0f32; b * k];
        for (i, y) in c["labels"].as_array().unwrap().iter().enumerate() {
            one_hot[i * k + y.as_u64().unwrap() as usize] = 1.0;
        }
        let s = Tensor::<2>::from_data(TensorData::new(floats(&c["student"]), [b, k]), &device)
            .require_grad();
        let t = Tensor::<2>::from_data(TensorData::new(floats(&c["teacher"]), [b, k]), &device);
        let y = Tensor::<2>::from_data(TensorData::new(one_hot, [b, k]), &device);
        let loss = hinton_loss(s.clone(), t, y, alpha, tau);
        let grads = loss.backward();
        let value = block_on(read_f32(loss)).unwrap()[0];
        let grad = block_on(read_f32(s.grad(&grads).expect("student gets a gradient"))).unwrap();
        assert_golden(name, value, &grad, c, "loss");
    }
}

#[test]
fn tau_squared_factor_and_batch_mean_reduction() {
    // Guards against two known bugs: a missing τ² and a KL averaged over classes.
    let device = cpu_device();
    let s = Tensor::<2>::from_data(
        TensorData::new(vec![1.0f32, 0.0, 0.0, 0.0], [2, 2]),
        &device,
    );
    let t = Tensor::<2>::from_data(
        TensorData::new(vec![0.0f32, 1.0, 0.0, 0.0], [2, 2]),
        &device,
    );
    let y = Tensor::<2>::from_data(
        TensorData::new(vec![1.0f32, 0.0, 1.0, 0.0], [2, 2]),
        &device,
    );
    let tau = 2.0f32;
    let l = block_on(read_f32(hinton_loss(s, t, y, 0.0, tau))).unwrap()[0] as f64;
    // Row 0: p = softmax([0, .5]), q = softmax([.5, 0]); row 1: identical → KL 0.
    let p = [
        1.0 / (1.0 + 0.5f64.exp()),
        0.5f64.exp() / (1.0 + 0.5f64.exp()),
    ];
    let kl0 = p[0] * (p[0] / p[1]).ln() + p[1] * (p[1] / p[0]).ln();
    let want = 4.0 * kl0 / 2.0;
    assert!((l - want).abs() < 1e-6, "{l} vs {want}");
}

#[test]
fn soft_term_of_the_live_formula_equals_hintons_loss_at_alpha_zero() {
    // The page's live formula shows τ²·KL on the test set (train::soft_term, f64 on the host):
    // on the golden inputs with ten classes it must equal the PyTorch-checked loss at α = 0.
    let golden: Value =
        serde_json::from_str(include_str!("golden/hinton.json")).expect("golden file parses");
    let device = cpu_device();
    let mut checked = 0;
    for c in golden["cases"].as_array().unwrap() {
        if c["classes"].as_u64() != Some(10) {
            continue;
        }
        let b = c["batch"].as_u64().unwrap() as usize;
        let tau = c["tau"].as_f64().unwrap() as f32;
        let (s, t) = (floats(&c["student"]), floats(&c["teacher"]));
        let y = vec![0.0f32; b * 10];
        let loss = hinton_loss(
            Tensor::<2>::from_data(TensorData::new(s.clone(), [b, 10]), &device),
            Tensor::<2>::from_data(TensorData::new(t.clone(), [b, 10]), &device),
            Tensor::<2>::from_data(TensorData::new(y, [b, 10]), &device),
            0.0,
            tau,
        );
        let want = block_on(read_f32(loss)).unwrap()[0] as f64;
        let got = soft_term(&s, &t, tau as f64);
        assert!(
            (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{}: soft_term {got} vs hinton_loss(α=0) {want}",
            c["name"]
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} ten-class golden cases");
}
