//! The method zoo's losses and their gradients against PyTorch (tests/golden/gen_zoo.py →
//! zoo.json): DKD, RKD (distance and angle), attention transfer, FitNets hints, multi-teacher,
//! fake quantization (against PyTorch's own fake-quantize ops), quantization-aware Hinton, FSP,
//! progressive layer pairs (7×7-pooled, adapted),
//! adversarial and data-free (DAFL, and DeepInversion's feature statistics) distillation.

mod common;

use burn::tensor::{Tensor, TensorData};
use common::golden::{assert_golden, floats};
use distill_lab::backend::{block_on, cpu_device};
use distill_lab::distill::{
    attention_loss, bce_with_logits, dafl_generator_loss, discriminate, discriminator_loss,
    dkd_loss, fake_quant_act, fake_quant_conv, fake_quant_dense, feature_stat_loss, fsp_loss,
    fsp_matrix, hint_loss, hinton_loss, hinton_loss_per_example, multi_teacher_loss, rkd_angle,
    rkd_distance, Combine, DAFL_ACTIVATION_WEIGHT, DAFL_ENTROPY_WEIGHT,
};
use distill_lab::distill::{pair_rows, LayerFeature};
use distill_lab::model::{read_f32, Features};
use distill_lab::train::feature_rows;
use serde_json::Value;

fn dims(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

struct Case<'a> {
    c: &'a Value,
    device: burn::tensor::Device,
}

impl Case<'_> {
    fn t2(&self, key: &str) -> Tensor<2> {
        let d = dims(&self.c["shapes"][key]);
        Tensor::from_data(
            TensorData::new(floats(&self.c["inputs"][key]), [d[0], d[1]]),
            &self.device,
        )
    }
    fn t4(&self, key: &str) -> Tensor<4> {
        let d = dims(&self.c["shapes"][key]);
        let shape = [d[0], d[1], d[2], d[3]];
        Tensor::from_data(
            TensorData::new(floats(&self.c["inputs"][key]), shape),
            &self.device,
        )
    }
    fn one_hot(&self, b: usize, k: usize) -> Tensor<2> {
        let mut v = vec![0.0f32; b * k];
        for (i, y) in floats(&self.c["inputs"]["labels"]).iter().enumerate() {
            v[i * k + *y as usize] = 1.0;
        }
        Tensor::from_data(TensorData::new(v, [b, k]), &self.device)
    }
    fn param(&self, key: &str) -> f32 {
        self.c["params"][key].as_f64().unwrap() as f32
    }
    fn bits(&self) -> u32 {
        self.c["params"]["bits"].as_u64().unwrap() as u32
    }
    /// A progressive pair's teacher layer: a map or a dense layer, by its shape.
    fn layer(&self, key: &str) -> LayerFeature {
        match dims(&self.c["shapes"][key]).len() {
            4 => LayerFeature::Map(self.t4(key)),
            _ => LayerFeature::Dense(self.t2(key)),
        }
    }
    fn progressive(&self, student: LayerFeature) -> Tensor<1> {
        let (rs, rt) = pair_rows(student, self.layer("teacher"));
        hint_loss(rs, self.t2("weight"), self.t1("bias"), rt)
    }
    fn t1(&self, key: &str) -> Tensor<1> {
        let v = floats(&self.c["inputs"][key]);
        let n = v.len();
        Tensor::from_data(TensorData::new(v, [n]), &self.device)
    }
}

#[test]
fn zoo_losses_and_gradients_match_pytorch() {
    let golden: Value = serde_json::from_str(include_str!("golden/zoo.json")).unwrap();
    let device = cpu_device().autodiff();
    let cases = golden["cases"].as_array().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for c in cases {
        let case = Case {
            c,
            device: device.clone(),
        };
        let name = c["name"].as_str().unwrap();
        let kind = c["loss"].as_str().unwrap();
        seen.insert(kind);
        let shape = dims(&c["shape"]);
        let data = floats(&c["student"]);
        let (loss, grad) = if shape.len() == 4 {
            let s = Tensor::<4>::from_data(
                TensorData::new(data, [shape[0], shape[1], shape[2], shape[3]]),
                &device,
            )
            .require_grad();
            let loss = match kind {
                "attention" => attention_loss(s.clone(), case.t4("teacher")),
                "fsp" => fsp_loss(
                    fsp_matrix(s.clone(), case.t4("second")),
                    fsp_matrix(case.t4("teacher_first"), case.t4("teacher_second")),
                ),
                "fake_quant_conv" => {
                    (fake_quant_conv(s.clone(), case.bits()) * case.t4("upstream")).sum()
                }
                "progressive" => case.progressive(LayerFeature::Map(s.clone())),
                "feature_stats" => {
                    // The rows the run makes of a teacher's features, then the statistics term.
                    let features = Features {
                        input: s.clone(),
                        maps: vec![s.clone()],
                        hidden: vec![case.t2("hidden")],
                        logits: case.t2("hidden"),
                    };
                    let targets = [
                        (case.t1("mean1"), case.t1("var1")),
                        (case.t1("mean2"), case.t1("var2")),
                    ];
                    feature_stat_loss(feature_rows(&features), &targets)
                }
                other => panic!("unknown 4-d loss {other}"),
            };
            let grads = loss.backward();
            let g = block_on(read_f32(s.grad(&grads).expect("gradient"))).unwrap();
            (loss, g)
        } else {
            let s = Tensor::<2>::from_data(TensorData::new(data, [shape[0], shape[1]]), &device)
                .require_grad();
            let loss = match kind {
                "progressive" => case.progressive(LayerFeature::Dense(s.clone())),
                "dkd" => {
                    let labels = floats(&c["inputs"]["labels"]);
                    let mut one_hot = vec![0.0f32; shape[0] * shape[1]];
                    for (i, y) in labels.iter().enumerate() {
                        one_hot[i * shape[1] + *y as usize] = 1.0;
                    }
                    let y = Tensor::<2>::from_data(
                        TensorData::new(one_hot, [shape[0], shape[1]]),
                        &device,
                    );
                    dkd_loss(
                        s.clone(),
                        case.t2("teacher"),
                        y,
                        case.param("alpha"),
                        case.param("beta"),
                        case.param("tau"),
                    )
                }
                "hinton_per_example" => {
                    let y = case.one_hot(shape[0], shape[1]);
                    hinton_loss_per_example(
                        s.clone(),
                        case.t2("teacher"),
                        y,
                        case.param("alpha"),
                        case.t2("taus"),
                    )
                }
                "rkd_distance" => rkd_distance(s.clone(), case.t2("teacher")),
                "rkd_angle" => rkd_angle(s.clone(), case.t2("teacher")),
                "hint" => {
                    let b = floats(&c["inputs"]["bias"]);
                    let bias =
                        Tensor::<1>::from_data(TensorData::new(b.clone(), [b.len()]), &device);
                    hint_loss(s.clone(), case.t2("weight"), bias, case.t2("teacher"))
                }
                "multi" => {
                    let k = c["params"]["teachers"].as_u64().unwrap() as usize;
                    let teachers: Vec<Tensor<2>> =
                        (0..k).map(|j| case.t2(&format!("teacher{j}"))).collect();
                    let how = match c["params"]["combine"].as_str().unwrap() {
                        "average" => Combine::Average,
                        _ => Combine::Confidence,
                    };
                    multi_teacher_loss(s.clone(), &teachers, case.param("tau"), how)
                }
                "dafl_logits" => dafl_generator_loss(
                    s.clone(),
                    case.t2("features"),
                    DAFL_ACTIVATION_WEIGHT,
                    DAFL_ENTROPY_WEIGHT,
                ),
                "dafl_features" => dafl_generator_loss(
                    case.t2("logits"),
                    s.clone(),
                    DAFL_ACTIVATION_WEIGHT,
                    DAFL_ENTROPY_WEIGHT,
                ),
                "adversarial" => {
                    let tau = case.param("tau");
                    let weights = || [case.t2("w1"), case.t2("w2")];
                    let biases = || [case.t1("b1"), case.t1("b2")];
                    let d =
                        |z: Tensor<2>, frozen| discriminate(z, tau, weights(), biases(), frozen);
                    bce_with_logits(d(s.clone(), true), 1.0)
                        + discriminator_loss(
                            d(case.t2("teacher"), false),
                            d(s.clone().detach(), false),
                        )
                }
                "fake_quant_act" => {
                    (fake_quant_act(s.clone(), case.bits()) * case.t2("upstream")).sum()
                }
                "fake_quant_dense" => {
                    (fake_quant_dense(s.clone(), case.bits()) * case.t2("upstream")).sum()
                }
                "qat_hinton" => {
                    let bits = case.bits();
                    let w = fake_quant_dense(case.t2("weight"), bits);
                    let logits = fake_quant_act(s.clone(), bits).matmul(w)
                        + case.t1("bias").unsqueeze::<2>();
                    let y = case.one_hot(shape[0], 10);
                    hinton_loss(
                        logits,
                        case.t2("teacher"),
                        y,
                        case.param("alpha"),
                        case.param("tau"),
                    )
                }
                other => panic!("unknown loss {other}"),
            };
            let grads = loss.backward();
            let g = block_on(read_f32(s.grad(&grads).expect("gradient"))).unwrap();
            (loss, g)
        };
        let value = block_on(read_f32(loss)).unwrap()[0];
        assert_golden(name, value, &grad, c, "value");
    }
    let kinds: Vec<&str> = seen.into_iter().collect();
    assert_eq!(
        kinds,
        [
            "adversarial",
            "attention",
            "dafl_features",
            "dafl_logits",
            "dkd",
            "fake_quant_act",
            "fake_quant_conv",
            "fake_quant_dense",
            "feature_stats",
            "fsp",
            "hint",
            "hinton_per_example",
            "multi",
            "progressive",
            "qat_hinton",
            "rkd_angle",
            "rkd_distance"
        ]
    );
}
