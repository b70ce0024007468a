//! The one network type behind every architecture in [`ModelSpec`].

use burn::module::{Module, Param};
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Distribution, Gradients, Tensor, TensorData};

use super::ModelSpec;
use crate::data::{MAX_CLASSES, MIN_CLASSES};
use crate::distill::{fake_quant_act, fake_quant_conv, fake_quant_dense};
use crate::rng::Rng;
use crate::{err, Result};

/// Pruning masks of a [`Net`]'s weights, on its device ([`Net::weight_masks`]).
#[derive(Debug, Clone)]
pub struct WeightMasks {
    conv: Vec<Tensor<4>>,
    fc: Vec<Tensor<2>>,
}

/// What [`Net::forward_features`] returns.
#[derive(Debug, Clone)]
pub struct Features {
    /// The input images, `[batch, 1, 28, 28]`.
    pub input: Tensor<4>,
    /// Each conv block's output after ReLU and pooling, `[batch, c, h, w]` (CNNs only).
    pub maps: Vec<Tensor<4>>,
    /// Each hidden dense layer's output after ReLU (before dropout), `[batch, width]`.
    pub hidden: Vec<Tensor<2>>,
    /// `[batch, classes]`.
    pub logits: Tensor<2>,
}

/// A classifier 784 → classes: optional conv blocks, then dense layers with ReLU. The class
/// count is the width of the last layer ([`Net::classes`]).
///
/// Weights are initialised from our own seeded [`Rng`] (PyTorch's default uniform
/// `U(−1/√fan_in, 1/√fan_in)` for weights and biases), so a seed gives the same initial weights
/// on every backend and platform.
#[derive(Module, Debug)]
pub struct Net {
    conv_w: Vec<Param<Tensor<4>>>,
    conv_b: Vec<Param<Tensor<1>>>,
    fc_w: Vec<Param<Tensor<2>>>,
    fc_b: Vec<Param<Tensor<1>>>,
}

impl Net {
    /// A freshly initialised network of architecture `spec` for `classes` classes on `device`.
    pub fn init(spec: &ModelSpec, classes: usize, seed: u64, device: &Device) -> Self {
        Self::from_host(spec, Self::init_host(spec, classes, seed), device)
            .expect("shapes come from the spec")
    }

    /// The initial weights [`Net::init`] uploads, as host `(weight, bias)` pairs.
    pub fn init_host(spec: &ModelSpec, classes: usize, seed: u64) -> Vec<(Vec<f32>, Vec<f32>)> {
        let mut rng = Rng::stream(seed, "init");
        spec.layer_shapes(classes)
            .into_iter()
            .map(|(shape, bias)| {
                let fan_in: usize = if shape.len() == 4 {
                    shape[1..].iter().product()
                } else {
                    shape[0]
                };
                let bound = 1.0 / (fan_in as f32).sqrt();
                let count: usize = shape.iter().product();
                let w: Vec<f32> = (0..count).map(|_| rng.uniform(-bound, bound)).collect();
                let b: Vec<f32> = (0..bias).map(|_| rng.uniform(-bound, bound)).collect();
                (w, b)
            })
            .collect()
    }

    /// A network built from host weights, one `(weight, bias)` pair per layer of
    /// [`ModelSpec::layer_shapes`] (dense weights in burn's `[in, out]` layout); the class count
    /// is the last bias's length ([`host_classes`]).
    pub fn from_host(
        spec: &ModelSpec,
        layers: Vec<(Vec<f32>, Vec<f32>)>,
        device: &Device,
    ) -> Result<Self> {
        let classes = host_classes(&layers)?;
        let shapes = spec.layer_shapes(classes);
        if layers.len() != shapes.len() {
            return Err(err!(
                "{spec} has {} layers, got weights for {}",
                shapes.len(),
                layers.len()
            ));
        }
        let mut net = Self {
            conv_w: Vec::new(),
            conv_b: Vec::new(),
            fc_w: Vec::new(),
            fc_b: Vec::new(),
        };
        for (i, ((w, b), (shape, bias))) in layers.into_iter().zip(shapes).enumerate() {
            let count: usize = shape.iter().product();
            if w.len() != count || b.len() != bias {
                return Err(err!(
                    "layer {i} of {spec}: expected {count} weights and {bias} biases, got {} and {}",
                    w.len(),
                    b.len()
                ));
            }
            let bias_t = Param::from_tensor(Tensor::from_data(TensorData::new(b, [bias]), device));
            if shape.len() == 4 {
                let s = [shape[0], shape[1], shape[2], shape[3]];
                net.conv_w.push(Param::from_tensor(Tensor::from_data(
                    TensorData::new(w, s),
                    device,
                )));
                net.conv_b.push(bias_t);
            } else {
                let s = [shape[0], shape[1]];
                net.fc_w.push(Param::from_tensor(Tensor::from_data(
                    TensorData::new(w, s),
                    device,
                )));
                net.fc_b.push(bias_t);
            }
        }
        Ok(net)
    }

    /// The number of classes: the width of the last layer.
    pub fn classes(&self) -> usize {
        let [k] = self
            .fc_b
            .last()
            .expect("a net has an output layer")
            .val()
            .dims();
        k
    }

    /// Logits for a batch of images.
    ///
    /// `dropout` is the drop probability after each hidden dense layer (0 = none; use it only
    /// while training).
    ///
    /// # Shapes
    /// - `x`: `[batch, 784]`, grey levels in `[0, 1]`
    /// - returns `[batch, classes]`
    pub fn forward(&self, x: Tensor<2>, dropout: f64) -> Tensor<2> {
        self.forward_features(x, dropout).logits
    }

    /// Logits and the intermediate features the feature-based methods distil.
    pub fn forward_features(&self, x: Tensor<2>, dropout: f64) -> Features {
        self.forward_quant(x, dropout, None)
    }

    /// [`Net::forward_features`] with every weight and every layer input fake-quantized to
    /// `bits` bits when `bits` is set (quantization-aware training, [`crate::distill::fake_quant`]).
    pub fn forward_quant(&self, x: Tensor<2>, dropout: f64, bits: Option<u32>) -> Features {
        let act = |t: Tensor<2>| match bits {
            Some(b) => fake_quant_act(t, b),
            None => t,
        };
        let [batch, _] = x.dims();
        let input = x.clone().reshape([batch, 1, 28, 28]);
        let mut h = x;
        let mut maps = Vec::new();
        if !self.conv_w.is_empty() {
            let mut c = h.reshape([batch, 1, 28, 28]);
            for (w, b) in self.conv_w.iter().zip(&self.conv_b) {
                let opts = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
                let (c_in, w) = match bits {
                    Some(bits) => (fake_quant_act(c, bits), fake_quant_conv(w.val(), bits)),
                    None => (c, w.val()),
                };
                c = relu(crate::kernels::conv2d(c_in, w, b.val(), opts));
                c = max_pool2d(c, MaxPoolOptions::new([2, 2]));
                maps.push(c.clone());
            }
            let [_, ch, hh, ww] = c.dims();
            h = c.reshape([batch, ch * hh * ww]);
        }
        let mut hidden = Vec::new();
        let last = self.fc_w.len() - 1;
        for (i, (w, b)) in self.fc_w.iter().zip(&self.fc_b).enumerate() {
            let w = match bits {
                Some(bits) => fake_quant_dense(w.val(), bits),
                None => w.val(),
            };
            h = crate::kernels::linear(act(h), w, b.val());
            if i < last {
                h = relu(h);
                hidden.push(h.clone());
                if dropout > 0.0 {
                    // Inverted dropout: keep with probability 1 − p and rescale.
                    let keep = Tensor::<2>::random(
                        h.dims(),
                        Distribution::Bernoulli(1.0 - dropout),
                        &h.device(),
                    );
                    h = h * keep / (1.0 - dropout);
                }
            }
        }
        Features {
            input,
            maps,
            hidden,
            logits: h,
        }
    }

    /// Host 0/1 masks (one per layer of [`ModelSpec::layer_shapes`], as
    /// [`super::weight_masks`] makes them) as tensors beside the weights, made once for
    /// [`Net::masked`] to apply at every step. The caller checks their lengths.
    pub fn weight_masks(&self, masks: &[Vec<f32>]) -> WeightMasks {
        fn upload<const D: usize>(p: &Param<Tensor<D>>, m: &[f32]) -> Tensor<D> {
            let t = p.val().without_autodiff();
            Tensor::from_data(TensorData::new(m.to_vec(), t.dims()), &t.device())
        }
        let (conv, fc) = masks.split_at(self.conv_w.len());
        WeightMasks {
            conv: self
                .conv_w
                .iter()
                .zip(conv)
                .map(|(p, m)| upload(p, m))
                .collect(),
            fc: self
                .fc_w
                .iter()
                .zip(fc)
                .map(|(p, m)| upload(p, m))
                .collect(),
        }
    }

    /// The network with every weight multiplied by its mask; parameters keep their identity, so
    /// an optimizer's state carries over. Biases are left alone.
    pub fn masked(self, masks: &WeightMasks) -> Self {
        let Self {
            conv_w,
            conv_b,
            fc_w,
            fc_b,
        } = self;
        let conv_w = conv_w
            .into_iter()
            .zip(&masks.conv)
            .map(|(p, m)| p.map(|t| mask_leaf(t, m.clone())))
            .collect();
        let fc_w = fc_w
            .into_iter()
            .zip(&masks.fc)
            .map(|(p, m)| p.map(|t| mask_leaf(t, m.clone())))
            .collect();
        Self {
            conv_w,
            conv_b,
            fc_w,
            fc_b,
        }
    }

    /// The squared L2 norm of the gradient over every parameter, `[1]` (parameters without a
    /// gradient count as 0).
    pub fn grad_sq_norm(&self, grads: &Gradients) -> Tensor<1> {
        let sq = |g: Option<Tensor<1>>| g.map(|g| (g.clone() * g).sum());
        let mut parts: Vec<Tensor<1>> = Vec::new();
        for w in &self.conv_w {
            parts.extend(sq(w.val().grad(grads).map(|g| g.reshape([-1]))));
        }
        for w in &self.fc_w {
            parts.extend(sq(w.val().grad(grads).map(|g| g.reshape([-1]))));
        }
        for b in self.conv_b.iter().chain(&self.fc_b) {
            parts.extend(sq(b.val().grad(grads)));
        }
        match parts.is_empty() {
            true => Tensor::zeros([1], &self.fc_b[0].val().device()),
            false => Tensor::cat(parts, 0).sum(),
        }
    }

    /// The weights as host tensors, one `(weight, bias)` pair per layer (async read back).
    pub async fn to_host(&self) -> Result<Vec<(Vec<f32>, Vec<f32>)>> {
        let mut out = Vec::new();
        let pairs = self
            .conv_w
            .iter()
            .map(|w| w.val().reshape([-1]))
            .zip(self.conv_b.iter().map(|b| b.val()))
            .chain(
                self.fc_w
                    .iter()
                    .map(|w| w.val().reshape([-1]))
                    .zip(self.fc_b.iter().map(|b| b.val())),
            );
        for (w, b) in pairs {
            out.push((read_f32(w).await?, read_f32(b).await?));
        }
        Ok(out)
    }
}

/// The class count of host weights (one `(weight, bias)` pair per layer): the last bias's
/// length, which must be in [`MIN_CLASSES`]..=[`MAX_CLASSES`].
pub fn host_classes(layers: &[(Vec<f32>, Vec<f32>)]) -> Result<usize> {
    match layers.last().map(|(_, b)| b.len()) {
        Some(k) if (MIN_CLASSES..=MAX_CLASSES).contains(&k) => Ok(k),
        Some(k) => Err(err!(
            "the output layer has {k} units: expected {MIN_CLASSES} to {MAX_CLASSES} classes"
        )),
        None => Err(err!("no layers")),
    }
}

/// `t · mask` as a fresh leaf (computed outside autodiff, then tracked again if `t` was), so that
/// it can stay a parameter.
fn mask_leaf<const D: usize>(t: Tensor<D>, mask: Tensor<D>) -> Tensor<D> {
    let tracked = t.is_autodiff();
    let out = t.without_autodiff() * mask;
    match tracked {
        true => out.autodiff().require_grad(),
        false => out,
    }
}

/// Reads a float tensor back to the host asynchronously (the only kind of read back that works
/// in a browser).
pub async fn read_f32<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    let data = t
        .into_data_async()
        .await
        .map_err(|e| err!("reading a tensor back from the device failed: {e:?}"))?;
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| err!("unexpected tensor data: {e:?}"))
}
