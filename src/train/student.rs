//! The trained module: the student network and the small learned parts some methods add — the
//! FitNets regressor, and the discriminator of adversarial distillation.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::distill::discriminate;
use crate::model::Net;
use crate::rng::Rng;

/// Hidden width of the adversarial discriminator.
pub const DISCRIMINATOR_WIDTH: usize = 64;

/// A dense layer `[d_in] → [d_out]`, initialised like PyTorch's (`U(±1/√d_in)`) from `rng`.
fn dense(
    rng: &mut Rng,
    d_in: usize,
    d_out: usize,
    device: &Device,
) -> (Param<Tensor<2>>, Param<Tensor<1>>) {
    let bound = 1.0 / (d_in as f32).sqrt();
    let w: Vec<f32> = (0..d_in * d_out)
        .map(|_| rng.uniform(-bound, bound))
        .collect();
    let b: Vec<f32> = (0..d_out).map(|_| rng.uniform(-bound, bound)).collect();
    (
        Param::from_tensor(Tensor::from_data(TensorData::new(w, [d_in, d_out]), device)),
        Param::from_tensor(Tensor::from_data(TensorData::new(b, [d_out]), device)),
    )
}

/// The discriminator `10 → 64 → 1` ([`discriminate`]).
#[derive(Module, Debug)]
pub struct Discriminator {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<1>>,
}

impl Discriminator {
    /// Its logits `[batch, 1]` on outputs `z` at `tau`; `frozen`: no gradient to its weights.
    pub fn forward(&self, z: Tensor<2>, tau: f32, frozen: bool) -> Tensor<2> {
        discriminate(
            z,
            tau,
            [self.w1.val(), self.w2.val()],
            [self.b1.val(), self.b2.val()],
            frozen,
        )
    }
}

/// The student network with its method's extra learned parts (0 or 1 of each).
#[derive(Module, Debug)]
pub struct Student {
    /// The student network.
    pub net: Net,
    hint_w: Vec<Param<Tensor<2>>>,
    hint_b: Vec<Param<Tensor<1>>>,
    discriminator: Vec<Discriminator>,
}

impl Student {
    /// A student without extra parts.
    pub fn new(net: Net) -> Self {
        Self {
            net,
            hint_w: Vec::new(),
            hint_b: Vec::new(),
            discriminator: Vec::new(),
        }
    }

    /// Adds a linear regressor `[d_s] → [d_t]`, initialised like a dense layer from `seed`.
    pub fn with_regressor(mut self, d_s: usize, d_t: usize, seed: u64, device: &Device) -> Self {
        let (w, b) = dense(&mut Rng::stream(seed, "hint regressor"), d_s, d_t, device);
        self.hint_w = vec![w];
        self.hint_b = vec![b];
        self
    }

    /// The regressor's weight and bias, if it has one.
    pub fn regressor(&self) -> Option<(Tensor<2>, Tensor<1>)> {
        Some((self.hint_w.first()?.val(), self.hint_b.first()?.val()))
    }

    /// Adds the adversarial discriminator, initialised from `seed`.
    pub fn with_discriminator(mut self, seed: u64, device: &Device) -> Self {
        let mut rng = Rng::stream(seed, "discriminator");
        let (w1, b1) = dense(&mut rng, 10, DISCRIMINATOR_WIDTH, device);
        let (w2, b2) = dense(&mut rng, DISCRIMINATOR_WIDTH, 1, device);
        self.discriminator = vec![Discriminator { w1, b1, w2, b2 }];
        self
    }

    /// The discriminator, if it has one.
    pub fn discriminator(&self) -> Option<&Discriminator> {
        self.discriminator.first()
    }
}
