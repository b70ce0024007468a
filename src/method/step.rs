//! What a method's loss is given for one step, and what it returns.

use burn::tensor::{Device, Tensor};

use super::MethodRef;
use crate::distill::{cross_entropy, hinton_loss};
use crate::model::{Features, Net};
use crate::train::{Student, TrainConfig};

/// One training step, as a method's loss sees it. The forward passes are the method's to ask
/// for ([`Step::logits`], [`Step::features`]), so each computes only what it uses.
pub struct Step<'a> {
    pub config: &'a TrainConfig,
    /// The student with its method's learned parts (regressor, adapters, discriminator,
    /// generator).
    pub student: &'a Student,
    /// The teacher network, without gradients, when the method needs its features.
    pub teacher_net: Option<&'a Net>,
    /// Inputs `[batch, 784]`; for a generator method, its noise.
    pub x: Tensor<2>,
    /// One-hot labels `[batch, classes]`.
    pub y: Tensor<2>,
    /// Each teacher's logits for the batch on the device, `[batch, classes]`.
    pub teachers: Vec<Tensor<2>>,
    /// The same logits on the host, one row after another.
    pub teacher_rows: Vec<Vec<f32>>,
    /// α and τ at this step (after their ramps).
    pub alpha: f32,
    pub tau: f32,
    /// The step and the run's length.
    pub step: usize,
    pub total: usize,
    /// The resolved teacher→student layer pairs of methods that have them.
    pub layer_map: &'a [(usize, usize)],
    /// The teacher's per-channel feature statistics (data-free distillation).
    pub stats: &'a [(Tensor<1>, Tensor<1>)],
    pub device: &'a Device,
}

/// What one step computes.
pub struct StepLoss {
    /// The loss to minimise, `[1]`.
    pub loss: Tensor<1>,
    /// Adversarial distillation: the discriminator's accuracy on the batch, `[1]`.
    pub discriminator: Option<Tensor<1>>,
}

impl From<Tensor<1>> for StepLoss {
    fn from(loss: Tensor<1>) -> Self {
        Self {
            loss,
            discriminator: None,
        }
    }
}

impl Step<'_> {
    /// The run's method.
    pub fn method(&self) -> MethodRef {
        self.config.method
    }

    /// The student's logits, fake-quantized where the method says so.
    pub fn logits(&self) -> Tensor<2> {
        let bits = self.method().get().fake_quant_bits(self.config);
        self.student
            .net
            .forward_quant(self.x.clone(), self.config.dropout, bits)
            .logits
    }

    /// The student's and the teacher network's features (logits included).
    pub fn features(&self) -> (Features, Features) {
        let tnet = self
            .teacher_net
            .expect("the run checks the teacher network before training");
        let s = self
            .student
            .net
            .forward_features(self.x.clone(), self.config.dropout);
        (s, tnet.forward_features(self.x.clone(), 0.0))
    }

    /// The student's features and the last hidden layers of the student and the teacher (the
    /// layer FitNets, RKD, CCKD and SP compare; the needs check that both have one).
    pub fn last_hidden(&self) -> (Features, Tensor<2>, Tensor<2>) {
        let (fs, ft) = self.features();
        let last = |f: &Features| f.hidden.last().cloned().expect("checked by the needs");
        let (ls, lt) = (last(&fs), last(&ft));
        (fs, ls, lt)
    }

    /// The (first) teacher's logits.
    pub fn teacher(&self) -> Tensor<2> {
        self.teachers[0].clone()
    }

    /// Hinton's loss of `logits` against the first teacher at this step's α and τ.
    pub fn hinton(&self, logits: Tensor<2>) -> Tensor<1> {
        hinton_loss(logits, self.teacher(), self.y.clone(), self.alpha, self.tau)
    }

    /// α times the hard-label cross-entropy of `logits`.
    pub fn hard(&self, logits: Tensor<2>) -> Tensor<1> {
        cross_entropy(logits, self.y.clone()) * self.alpha
    }

    /// A parameter of the method, as f32.
    pub fn param(&self, key: &str) -> f32 {
        self.config.params.f32(key)
    }

    /// The method's stage at this step (an index into its stages).
    pub fn stage(&self) -> usize {
        self.method().stage(self.step, self.total)
    }
}
