//! A real integer network: int-b weights, uint-b activations, i32 accumulators.
//!
//! Each layer stores its weights as signed codes with one scale per output channel, its bias as
//! i32 in units of `input_scale · weight_scale[c]`, and the static scale of its input, calibrated
//! on training images. A layer quantizes its input to unsigned codes, multiplies and accumulates
//! in i32, and rescales the sum to floats (then ReLU, and pooling after a conv), as integer
//! inference engines do; the last layer's rescaled sums are the logits.
//!
//! Its file format is in [`file`].

mod file;

pub use file::INT8_FORMAT;

use super::weights::transpose;
use super::ModelSpec;
use crate::data::PIXELS;
use crate::distill::{act_levels, weight_levels, BITS_RANGE};
use crate::{err, Result};

/// One quantized layer (conv `[out, in, 3, 3]` or dense `[out, in]`).
#[derive(Debug, Clone, PartialEq)]
struct Layer {
    shape: Vec<usize>,
    weight: Vec<i8>,
    weight_scale: Vec<f32>,
    bias: Vec<i32>,
    input_scale: f32,
}

/// A network with integer weights and activations; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantNet {
    spec: ModelSpec,
    bits: u32,
    layers: Vec<Layer>,
}

fn check_bits(bits: u32) -> Result<()> {
    let (lo, hi) = BITS_RANGE;
    match (lo..=hi).contains(&bits) {
        true => Ok(()),
        false => Err(err!(
            "bits = {bits} is out of range: expected an integer in {lo}..={hi}"
        )),
    }
}

/// Codes of `x` at `scale`, as the fake quantizer rounds them (half to even).
fn code(x: f32, inv_scale: f32, lo: f32, hi: f32) -> i32 {
    (x * inv_scale).round_ties_even().clamp(lo, hi) as i32
}

impl Layer {
    fn outputs(&self) -> usize {
        self.shape[0]
    }

    /// The layer on one example's input (`[in]`, or `[c, h, w]` for a conv), before ReLU. With
    /// `dynamic`, the input's scale is its own maximum (not the calibrated one) and the bias is
    /// added in floats after the rescale, as in dynamic quantization.
    fn apply(&self, input: &[f32], bits: u32, dynamic: bool) -> Vec<f32> {
        let levels = act_levels(bits);
        let scale = match dynamic {
            true => (input.iter().fold(0.0f32, |m, &x| m.max(x)) / levels).max(f32::EPSILON),
            false => self.input_scale,
        };
        let codes: Vec<i32> = input
            .iter()
            .map(|&x| code(x, 1.0 / scale, 0.0, levels))
            .collect();
        // `sum` excludes the bias: integer in the calibrated scale, decoded to floats in the
        // dynamic one.
        let rescale = |o: usize, sum: i32| match dynamic {
            true => {
                let bias = self.bias[o] as f32 * self.input_scale * self.weight_scale[o];
                sum as f32 * scale * self.weight_scale[o] + bias
            }
            // In i64: the bias comes from the file and may be anywhere in i32's range.
            false => {
                (i64::from(sum) + i64::from(self.bias[o])) as f32 * (scale * self.weight_scale[o])
            }
        };
        if self.shape.len() == 2 {
            let fan_in = self.shape[1];
            return (0..self.outputs())
                .map(|o| {
                    let row = &self.weight[o * fan_in..(o + 1) * fan_in];
                    // |w| ≤ 127, a ≤ 255, fan_in ≤ 256·49 or MAX_WIDTH: at most ~4·10⁸, inside i32.
                    let dot: i32 = row.iter().zip(&codes).map(|(&w, &a)| w as i32 * a).sum();
                    rescale(o, dot)
                })
                .collect();
        }
        // 3×3 conv, stride 1, zero padding 1, on a square map.
        let c_in = self.shape[1];
        let side = ((codes.len() / c_in) as f64).sqrt() as usize;
        let mut out = vec![0.0; self.outputs() * side * side];
        for o in 0..self.outputs() {
            for y in 0..side {
                for x in 0..side {
                    let mut acc = 0;
                    for c in 0..c_in {
                        for ky in 0..3 {
                            let yy = y + ky;
                            if yy < 1 || yy > side {
                                continue;
                            }
                            for kx in 0..3 {
                                let xx = x + kx;
                                if xx < 1 || xx > side {
                                    continue;
                                }
                                let w = self.weight[((o * c_in + c) * 3 + ky) * 3 + kx];
                                acc += w as i32 * codes[(c * side + yy - 1) * side + xx - 1];
                            }
                        }
                    }
                    out[(o * side + y) * side + x] = rescale(o, acc);
                }
            }
        }
        out
    }
}

/// ReLU, then for a conv's output `[c, side, side]` a 2×2 max-pool with stride 2.
fn activate(mut v: Vec<f32>, conv: Option<usize>) -> Vec<f32> {
    v.iter_mut().for_each(|x| *x = x.max(0.0));
    let Some(channels) = conv else { return v };
    let side = ((v.len() / channels) as f64).sqrt() as usize;
    let half = side / 2;
    let mut out = Vec::with_capacity(channels * half * half);
    for c in 0..channels {
        for y in 0..half {
            for x in 0..half {
                let at = |dy: usize, dx: usize| v[(c * side + 2 * y + dy) * side + 2 * x + dx];
                out.push(at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1)));
            }
        }
    }
    out
}

impl QuantNet {
    /// Quantizes host weights (one `(weight, bias)` pair per layer of
    /// [`ModelSpec::layer_shapes`], burn's layout) to `bits` bits, calibrating each layer's input
    /// scale as the largest input it sees on `calibration` (`n · 784` grey levels; training
    /// images, never the test set).
    pub fn quantize(
        spec: &ModelSpec,
        host: &[(Vec<f32>, Vec<f32>)],
        bits: u32,
        calibration: &[u8],
    ) -> Result<Self> {
        check_bits(bits)?;
        let shapes = spec.layer_shapes(super::net::host_classes(host)?);
        if host.len() != shapes.len() || calibration.is_empty() {
            return Err(err!(
                "quantize: {} layers of weights for a {spec} and {} calibration images",
                host.len(),
                calibration.len() / PIXELS
            ));
        }
        let levels = weight_levels(bits);
        let mut acts: Vec<Vec<f32>> = calibration
            .chunks_exact(PIXELS)
            .map(|img| img.iter().map(|&p| f32::from(p) / 255.0).collect())
            .collect();
        let mut layers = Vec::new();
        for ((w, b), (shape, _)) in host.iter().zip(shapes) {
            // PyTorch's layout: dense weights become [out, in].
            let (shape, w) = match shape.len() {
                2 => (vec![shape[1], shape[0]], transpose(w, shape[0], shape[1])),
                _ => (shape, w.clone()),
            };
            let per_out = w.len() / shape[0];
            let max_in = acts.iter().flatten().fold(0.0f32, |m, &x| m.max(x));
            let input_scale = (max_in / act_levels(bits)).max(f32::EPSILON);
            let mut weight = Vec::with_capacity(w.len());
            let mut weight_scale = Vec::with_capacity(shape[0]);
            let mut bias = Vec::with_capacity(shape[0]);
            for (o, row) in w.chunks_exact(per_out).enumerate() {
                let max = row.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
                let scale = (max / levels).max(f32::EPSILON);
                weight.extend(
                    row.iter()
                        .map(|&x| code(x, 1.0 / scale, -levels, levels) as i8),
                );
                weight_scale.push(scale);
                let b = (b[o] as f64 / (input_scale as f64 * scale as f64)).round_ties_even();
                bias.push(b.clamp(i32::MIN as f64, i32::MAX as f64) as i32);
            }
            let layer = Layer {
                shape,
                weight,
                weight_scale,
                bias,
                input_scale,
            };
            let conv = (layer.shape.len() == 4).then(|| layer.outputs());
            acts = acts
                .iter()
                .map(|a| activate(layer.apply(a, bits, false), conv))
                .collect();
            layers.push(layer);
        }
        Ok(Self {
            spec: spec.clone(),
            bits,
            layers,
        })
    }

    /// The architecture.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Bits per weight and activation.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The number of classes: the last layer's outputs.
    pub fn classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs())
    }

    /// Logits for `images` (`n · 784` grey levels), `[n, classes]` row-major.
    pub fn logits(&self, images: &[u8]) -> Vec<f32> {
        self.logits_with(images, false)
    }

    /// Logits with dynamic quantization of the activations: each layer input of each image is
    /// quantized with its own maximum, the biases are added in floats; the calibrated scales
    /// serve only to decode the stored biases.
    pub fn logits_dynamic(&self, images: &[u8]) -> Vec<f32> {
        self.logits_with(images, true)
    }

    fn logits_with(&self, images: &[u8], dynamic: bool) -> Vec<f32> {
        let last = self.layers.len() - 1;
        images
            .chunks_exact(PIXELS)
            .flat_map(|img| {
                let mut a: Vec<f32> = img.iter().map(|&p| f32::from(p) / 255.0).collect();
                for (i, layer) in self.layers.iter().enumerate() {
                    a = layer.apply(&a, self.bits, dynamic);
                    if i < last {
                        let conv = (layer.shape.len() == 4).then(|| layer.outputs());
                        a = activate(a, conv);
                    }
                }
                a
            })
            .collect()
    }

    /// The weights as floats again (`code · scale`), one `(weight, bias)` pair per layer in
    /// burn's layout, for [`super::Net::from_host`].
    pub fn dequantize(&self) -> Vec<(Vec<f32>, Vec<f32>)> {
        self.layers
            .iter()
            .map(|l| {
                let per_out = l.weight.len() / l.outputs();
                let w: Vec<f32> = l
                    .weight
                    .iter()
                    .enumerate()
                    .map(|(i, &q)| q as f32 * l.weight_scale[i / per_out])
                    .collect();
                let b = (0..l.outputs())
                    .map(|o| l.bias[o] as f32 * l.input_scale * l.weight_scale[o])
                    .collect();
                match l.shape.len() {
                    2 => (transpose(&w, l.shape[0], l.shape[1]), b),
                    _ => (w, b),
                }
            })
            .collect()
    }
}
