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

/// Parameters of ranks 1, 2 and 4: a 3×3 conv to 2 maps, then a dense layer.
#[derive(Module, Debug)]
struct Small {
    c: Param<Tensor<4>>,
    w: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
}

impl Small {
    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        use burn::tensor::module::conv2d;
        use burn::tensor::ops::ConvOptions;
        let [n, ..] = x.dims();
        let h = conv2d(
            x,
            self.c.val(),
            None,
            ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
        );
        h.reshape([n, 32]).matmul(self.w.val()) + self.b.val().unsqueeze::<2>()
    }
}

/// The values of every parameter of `m`.
fn values(m: &Small) -> Vec<f32> {
    [m.c.val().reshape([-1]), m.w.val().reshape([-1]), m.b.val()]
        .into_iter()
        .flat_map(|t| block_on(read_f32(t)).unwrap())
        .collect()
}

/// Our optimizers (state we can checkpoint) against burn-optim's `ModuleOptimizer`, which they
/// replace: the same weights after several steps, on varying inputs and rates.
#[test]
fn our_optimizers_step_exactly_as_burns() {
    use burn::optim::momentum::MomentumConfig;
    use burn::optim::{AdamConfig, LionConfig, SgdConfig};
    use distill_lab::rng::Rng;
    let device = cpu_device().autodiff();
    let mut rng = Rng::new(7);
    let mut random =
        |n: usize, scale: f32| -> Vec<f32> { (0..n).map(|_| scale * rng.normal()).collect() };
    let init = Small {
        c: Param::from_tensor(Tensor::from_data(
            TensorData::new(random(18, 0.3), [2, 1, 3, 3]),
            &device,
        )),
        w: Param::from_tensor(Tensor::from_data(
            TensorData::new(random(96, 0.2), [32, 3]),
            &device,
        )),
        b: Param::from_tensor(Tensor::from_data(
            TensorData::new(random(3, 0.1), [3]),
            &device,
        )),
    };
    let batches: Vec<(Tensor<4>, Tensor<2>)> = (0..6)
        .map(|k| {
            let x = Tensor::from_data(TensorData::new(random(5 * 16, 1.0), [5, 1, 4, 4]), &device);
            let mut y = vec![0.0f32; 15];
            (0..5).for_each(|i| y[i * 3 + (i + k) % 3] = 1.0);
            (x, Tensor::from_data(TensorData::new(y, [5, 3]), &device))
        })
        .collect();
    for name in ["adam", "sgd", "lion"] {
        let mut theirs = match name {
            "adam" => AdamConfig::new().init(),
            "sgd" => SgdConfig::new()
                .with_momentum(Some(MomentumConfig {
                    momentum: 0.8,
                    dampening: 0.0,
                    nesterov: false,
                }))
                .init(),
            _ => LionConfig::new().init(),
        };
        let mut ours = Optimizer::parse(name).unwrap().init(0.8);
        let (mut a, mut b) = (init.clone(), init.clone());
        for (k, (x, y)) in batches.iter().enumerate() {
            let lr = 0.01 * (k + 1) as f64;
            let loss = cross_entropy(a.forward(x.clone()), y.clone());
            a = theirs.step(
                lr,
                a.clone(),
                GradientsParams::from_grads(loss.backward(), &a),
            );
            let loss = cross_entropy(b.forward(x.clone()), y.clone());
            b = ours.step(
                lr,
                b.clone(),
                GradientsParams::from_grads(loss.backward(), &b),
            );
            for (i, (p, q)) in values(&a).iter().zip(values(&b)).enumerate() {
                // The same operations in the same order: equal to the bit.
                assert_eq!(
                    p.to_bits(),
                    q.to_bits(),
                    "{name} step {k}, value {i}: burn {p} vs ours {q}"
                );
            }
        }
        assert_ne!(values(&init), values(&b), "{name} trained");
    }
}
