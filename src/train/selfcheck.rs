//! A self-check of a device's kernels before a run: one small Hinton step (forward, backward,
//! Adam, forward again) of a small MLP and of a small CNN on fixed, seeded inputs, whose numbers
//! are compared with the same steps on the CPU. The browser's WebGPU build has no CPU backend, so the CPU's numbers ship with the page
//! (`www/models/self-check.json`, from `distill-lab self-check`); a GPU whose kernels write zeros
//! or stale data (a shader that failed validation is skipped without an error on wasm) differs.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::Optimizer;
use crate::distill::hinton_loss;
use crate::model::{read_f32, ModelSpec, Net};
use crate::rng::Rng;
use crate::{err, Result};

/// The checked networks: small, but every kind of kernel a student runs: the dense products,
/// and a CNN's convolutions (forward, input and weight gradients), pooling and their gradients.
pub const SELF_CHECK_STUDENTS: [&str; 2] = ["mlp:48,24", "cnn:4,8,16"];
const BATCH: usize = 16;
const SEED: u64 = 20261130;
/// Relative tolerance: f32 sums in another order, through one Adam step.
pub const SELF_CHECK_TOLERANCE: f32 = 1e-3;

/// What the step computed on each of [`SELF_CHECK_STUDENTS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfCheck {
    pub steps: Vec<SelfCheckStep>,
}

/// One network's step: the loss before and after one Adam step, the logits after it, and the
/// L2 norm of each parameter's gradient in visit order (Adam's first step moves each weight by
/// about `lr · sign(g)`, so the logits alone would not see a gradient of the wrong size).
///
/// # Shapes
/// `logits`: `[16, 10]` row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfCheckStep {
    pub student: String,
    pub loss_before: f32,
    pub loss_after: f32,
    pub logits: Vec<f32>,
    pub grad_norms: Vec<f32>,
}

/// The steps on `device`.
pub async fn self_check(device: &Device) -> Result<SelfCheck> {
    let mut steps = Vec::new();
    for student in SELF_CHECK_STUDENTS {
        steps.push(step(student, device).await?);
    }
    Ok(SelfCheck { steps })
}

async fn step(student: &str, device: &Device) -> Result<SelfCheckStep> {
    let spec = ModelSpec::parse(student)?;
    let device = device.clone().autodiff();
    // A fixed step of the bundled datasets' ten classes: the numbers the page checks against.
    const K: usize = crate::data::BUNDLED_CLASSES;
    let net = Net::from_host(&spec, Net::init_host(&spec, K, SEED), &device)?;
    let mut rng = Rng::stream(SEED, "self-check");
    let x: Vec<f32> = (0..BATCH * crate::data::PIXELS)
        .map(|_| rng.next_f32())
        .collect();
    let t: Vec<f32> = (0..BATCH * K).map(|_| 4.0 * rng.normal()).collect();
    let mut y = vec![0.0f32; BATCH * K];
    for row in 0..BATCH {
        y[row * K + rng.below(K)] = 1.0;
    }
    let tensor = |v: &[f32], cols: usize| {
        Tensor::<2>::from_data(TensorData::new(v.to_vec(), [BATCH, cols]), &device)
    };
    let (x, t, y) = (
        tensor(&x, crate::data::PIXELS),
        tensor(&t, K),
        tensor(&y, K),
    );
    let loss = hinton_loss(net.forward(x.clone(), 0.0), t.clone(), y.clone(), 0.5, 4.0);
    let grads = GradientsParams::from_grads(loss.backward(), &net);
    let norms = read_f32(Tensor::cat(grad_norms(&net, &grads), 0)).await?;
    let net = Optimizer::Adam.init(0.9).step(1e-2, net, grads);
    let logits = net.forward(x, 0.0);
    let after = hinton_loss(logits.clone(), t, y, 0.5, 4.0);
    let values = read_f32(Tensor::cat(
        vec![
            loss.detach(),
            after.detach(),
            logits.detach().reshape([BATCH * K]),
        ],
        0,
    ))
    .await?;
    Ok(SelfCheckStep {
        student: student.to_string(),
        loss_before: values[0],
        loss_after: values[1],
        logits: values[2..].to_vec(),
        grad_norms: norms,
    })
}

/// The L2 norm of each parameter's gradient, in visit order (`[1]` each).
fn grad_norms(net: &Net, grads: &GradientsParams) -> Vec<Tensor<1>> {
    struct Norms<'a>(&'a GradientsParams, Vec<Tensor<1>>);
    impl ModuleVisitor for Norms<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.0.get::<D>(param.id) {
                self.1.push(g.square().sum().sqrt());
            }
        }
    }
    let mut norms = Norms(grads, Vec::new());
    net.visit(&mut norms);
    norms.1
}

impl SelfCheck {
    /// The largest relative difference from `reference` (each number against the larger of its
    /// magnitude and 1); an error when the networks or shapes differ or a number is not finite.
    pub fn difference(&self, reference: &SelfCheck) -> Result<f32> {
        let names = |c: &SelfCheck| {
            c.steps
                .iter()
                .map(|s| s.student.clone())
                .collect::<Vec<_>>()
        };
        if names(self) != names(reference) {
            return Err(err!(
                "self-check: steps of {:?} against {:?} in the reference",
                names(self),
                names(reference)
            ));
        }
        let mut worst = 0.0f32;
        for (ours, theirs) in self.steps.iter().zip(&reference.steps) {
            worst = worst.max(ours.difference(theirs)?);
        }
        Ok(worst)
    }
}

impl SelfCheckStep {
    fn difference(&self, reference: &SelfCheckStep) -> Result<f32> {
        if self.logits.len() != reference.logits.len()
            || self.grad_norms.len() != reference.grad_norms.len()
        {
            return Err(err!(
                "self-check ({}): {} logits and {} gradients against {} and {} in the reference",
                self.student,
                self.logits.len(),
                self.grad_norms.len(),
                reference.logits.len(),
                reference.grad_norms.len()
            ));
        }
        let ours = [self.loss_before, self.loss_after]
            .into_iter()
            .chain(self.logits.iter().copied());
        let theirs = [reference.loss_before, reference.loss_after]
            .into_iter()
            .chain(reference.logits.iter().copied());
        let mut worst = 0.0f32;
        for (a, b) in ours.zip(theirs) {
            if !a.is_finite() || !b.is_finite() {
                return Err(err!(
                    "self-check ({}): a non-finite number ({a} against {b})",
                    self.student
                ));
            }
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
        // The gradients' norms relative to their own size (they can be far below 1).
        for (a, b) in self.grad_norms.iter().zip(&reference.grad_norms) {
            if !a.is_finite() || !b.is_finite() {
                return Err(err!(
                    "self-check ({}): a non-finite gradient norm ({a} against {b})",
                    self.student
                ));
            }
            worst = worst.max((a - b).abs() / b.abs().max(1e-6));
        }
        Ok(worst)
    }
}
