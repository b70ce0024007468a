//! The trained module: the student network and the small learned parts some methods add — the
//! FitNets regressor, the discriminator of adversarial distillation and the generator of
//! data-free distillation.

use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};

use crate::data::PIXELS;
use crate::distill::discriminate;
use crate::model::Net;
use crate::rng::Rng;

/// Hidden width of the adversarial discriminator.
pub const DISCRIMINATOR_WIDTH: usize = 64;
/// Length of the data-free generator's noise vector.
pub const NOISE_DIM: usize = 100;

/// A dense layer `[d_in] → [d_out]`, initialised like PyTorch's (`U(±1/√d_in)`) from `rng`.
fn dense(
    rng: &mut Rng,
    (d_in, d_out): (usize, usize),
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

/// A 3×3 conv layer `c_in → c_out`, initialised like PyTorch's (`U(±1/√(9·c_in))`) from `rng`.
fn conv3x3(
    rng: &mut Rng,
    (c_in, c_out): (usize, usize),
    device: &Device,
) -> (Param<Tensor<4>>, Param<Tensor<1>>) {
    let bound = 1.0 / ((9 * c_in) as f32).sqrt();
    let w: Vec<f32> = (0..c_out * c_in * 9)
        .map(|_| rng.uniform(-bound, bound))
        .collect();
    let b: Vec<f32> = (0..c_out).map(|_| rng.uniform(-bound, bound)).collect();
    (
        Param::from_tensor(Tensor::from_data(
            TensorData::new(w, [c_out, c_in, 3, 3]),
            device,
        )),
        Param::from_tensor(Tensor::from_data(TensorData::new(b, [c_out]), device)),
    )
}

/// The discriminator `classes → 64 → 1` ([`discriminate`]).
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

/// Channels of the generator's 7×7 and 14×14 maps.
pub const GEN_CHANNELS: [usize; 2] = [64, 32];

/// Batch normalisation over the batch (and positions) without learned scale or shift.
fn batch_norm(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let flat = x.clone().swap_dims(0, 1).reshape([c, b * h * w]);
    let mean = flat.clone().mean_dim(1);
    let var = (flat - mean.clone()).powi_scalar(2).mean_dim(1);
    let mean = mean.reshape([1, c, 1, 1]);
    let var = var.reshape([1, c, 1, 1]);
    (x - mean) / (var + 1e-5).sqrt()
}

/// The data-free generator, after DAFL's: noise and class `[batch, 100 + classes]` → dense → 64 maps of
/// 7×7 → batch norm → ×2 nearest upsampling → 3×3 conv to 32 maps → batch norm → leaky ReLU → ×2
/// → 3×3 conv to 1 map → sigmoid: images `[batch, 784]` in `(0, 1)`.
#[derive(Module, Debug)]
pub struct Generator {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    c1: Param<Tensor<4>>,
    cb1: Param<Tensor<1>>,
    c2: Param<Tensor<4>>,
    cb2: Param<Tensor<1>>,
}

impl Generator {
    /// The number of classes its input's one-hot part covers.
    pub fn classes(&self) -> usize {
        self.w1.val().dims()[0] - NOISE_DIM
    }

    /// Images for noise `z`.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        use crate::kernels::conv2d;
        use burn::tensor::activation::leaky_relu;
        use burn::tensor::module::interpolate;
        use burn::tensor::ops::{ConvOptions, InterpolateMode, InterpolateOptions};
        let [n, _] = z.dims();
        let c0 = GEN_CHANNELS[0];
        let up = |x: Tensor<4>| {
            interpolate(
                x,
                InterpolateOptions::new(InterpolateMode::Nearest).with_scale_factor([2.0, 2.0]),
            )
        };
        let opts = || ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
        let h = (z.matmul(self.w1.val()) + self.b1.val().unsqueeze::<2>()).reshape([n, c0, 7, 7]);
        let h = up(batch_norm(h));
        let h = conv2d(h, self.c1.val(), self.cb1.val(), opts());
        let h = up(leaky_relu(batch_norm(h), 0.2));
        let h = conv2d(h, self.c2.val(), self.cb2.val(), opts());
        sigmoid(h.reshape([n, PIXELS]))
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
    generator: Vec<Generator>,
}

impl Student {
    /// A student without extra parts.
    pub fn new(net: Net) -> Self {
        Self {
            net,
            hint_w: Vec::new(),
            hint_b: Vec::new(),
            discriminator: Vec::new(),
            generator: Vec::new(),
        }
    }

    /// Adds one linear adapter `[d_s] → [d_t]` per pair of `dims` (progressive distillation),
    /// initialised like dense layers from `seed`.
    pub fn with_adapters(mut self, dims: &[(usize, usize)], seed: u64, device: &Device) -> Self {
        let mut rng = Rng::stream(seed, "layer adapters");
        let (w, b): (Vec<_>, Vec<_>) = dims.iter().map(|&d| dense(&mut rng, d, device)).unzip();
        (self.hint_w, self.hint_b) = (w, b);
        self
    }

    /// Adapter `k` as `(weight, bias)`, if there is one.
    pub fn adapter(&self, k: usize) -> Option<(Tensor<2>, Tensor<1>)> {
        Some((self.hint_w.get(k)?.val(), self.hint_b.get(k)?.val()))
    }

    /// Adds a linear regressor `[d_s] → [d_t]`, initialised like a dense layer from `seed`.
    pub fn with_regressor(mut self, d_s: usize, d_t: usize, seed: u64, device: &Device) -> Self {
        let (w, b) = dense(&mut Rng::stream(seed, "hint regressor"), (d_s, d_t), device);
        self.hint_w = vec![w];
        self.hint_b = vec![b];
        self
    }

    /// The regressor's weight and bias, if it has one.
    pub fn regressor(&self) -> Option<(Tensor<2>, Tensor<1>)> {
        self.adapter(0)
    }

    /// Adds the adversarial discriminator of outputs over `classes` classes, initialised from
    /// `seed`.
    pub fn with_discriminator(mut self, classes: usize, seed: u64, device: &Device) -> Self {
        let mut rng = Rng::stream(seed, "discriminator");
        let (w1, b1) = dense(&mut rng, (classes, DISCRIMINATOR_WIDTH), device);
        let (w2, b2) = dense(&mut rng, (DISCRIMINATOR_WIDTH, 1), device);
        self.discriminator = vec![Discriminator { w1, b1, w2, b2 }];
        self
    }

    /// The discriminator, if it has one.
    pub fn discriminator(&self) -> Option<&Discriminator> {
        self.discriminator.first()
    }

    /// Adds the data-free generator of images of `classes` classes, initialised from `seed`.
    pub fn with_generator(mut self, classes: usize, seed: u64, device: &Device) -> Self {
        let mut rng = Rng::stream(seed, "generator");
        let [c0, c1] = GEN_CHANNELS;
        let (w1, b1) = dense(&mut rng, (NOISE_DIM + classes, c0 * 49), device);
        let (c1w, cb1) = conv3x3(&mut rng, (c0, c1), device);
        let (c2w, cb2) = conv3x3(&mut rng, (c1, 1), device);
        self.generator = vec![Generator {
            w1,
            b1,
            c1: c1w,
            cb1,
            c2: c2w,
            cb2,
        }];
        self
    }

    /// The generator, if it has one.
    pub fn generator(&self) -> Option<&Generator> {
        self.generator.first()
    }
}
