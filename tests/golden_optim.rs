//! The optimizers (Adam, SGD with momentum, Lion) and learning-rate schedules (warm-up, cosine,
//! step) against PyTorch (tests/golden/gen_optim.py → optim.json).

mod common;

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};
use common::golden::{close, floats};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::distill::cross_entropy;
use distill_lab::model::read_f32;
use distill_lab::train::{learning_rate, Optimizer, Schedule};
use serde_json::Value;

fn golden() -> Value {
    serde_json::from_str(include_str!("golden/optim.json")).unwrap()
}

#[test]
fn schedules_with_warm_up_match_pytorch() {
    let g = golden();
    for s in g["schedules"].as_array().unwrap() {
        let kind = s["kind"].as_str().unwrap();
        let warmup = s["warmup"].as_f64().unwrap() as f32;
        let total = s["total"].as_u64().unwrap() as usize;
        let lr = s["lr"].as_f64().unwrap();
        let schedule = Schedule::parse(kind).unwrap();
        for (step, want) in s["rates"].as_array().unwrap().iter().enumerate() {
            let want = want.as_f64().unwrap();
            let got = learning_rate(lr, schedule, warmup, step, total);
            assert!(
                (got - want).abs() <= 1e-12 + 1e-9 * want,
                "{kind}, warm-up {warmup}, step {step} of {total}: {got} vs PyTorch {want}"
            );
        }
    }
}

/// A linear classifier `x @ w + b`, the smallest module an optimizer can step.
#[derive(Module, Debug)]
struct Linear {
    w: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
}

#[test]
fn adam_sgd_momentum_and_lion_steps_match_pytorch() {
    let device = cpu_device().autodiff();
    let g = golden();
    let mut seen = Vec::new();
    for case in g["optimizers"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        seen.push(name);
        let lr = case["lr"].as_f64().unwrap();
        let x = Tensor::<2>::from_data(TensorData::new(floats(&case["x"]), [8, 6]), &device);
        let mut one_hot = vec![0.0f32; 8 * 3];
        for (i, y) in case["labels"].as_array().unwrap().iter().enumerate() {
            one_hot[i * 3 + y.as_u64().unwrap() as usize] = 1.0;
        }
        let y = Tensor::<2>::from_data(TensorData::new(one_hot, [8, 3]), &device);
        let mut model = Linear {
            w: Param::from_tensor(Tensor::from_data(
                TensorData::new(floats(&case["w0"]), [6, 3]),
                &device,
            )),
            b: Param::from_tensor(Tensor::from_data(
                TensorData::new(floats(&case["b0"]), [3]),
                &device,
            )),
        };
        let mut optim = Optimizer::parse(name).unwrap().init(0.9);
        for (k, want) in case["steps"].as_array().unwrap().iter().enumerate() {
            let logits = x.clone().matmul(model.w.val()) + model.b.val().unsqueeze::<2>();
            let loss = cross_entropy(logits, y.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            for (key, got) in [
                (
                    "w",
                    block_on(read_f32(model.w.val().reshape([-1]))).unwrap(),
                ),
                ("b", block_on(read_f32(model.b.val())).unwrap()),
            ] {
                for (i, (a, b)) in got.iter().zip(floats(&want[key])).enumerate() {
                    assert!(
                        close(*a, b as f64),
                        "{name} step {k}: {key}[{i}] {a} vs PyTorch {b}"
                    );
                }
            }
        }
    }
    assert_eq!(seen, ["adam", "sgd", "lion"]);
}
