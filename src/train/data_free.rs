//! Data-free distillation's training parts: the teacher's stored feature statistics, the noise
//! the generator starts from, and the step's loss (the losses themselves are in
//! [`crate::distill`]).

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::student::NOISE_DIM;
use super::Student;
use crate::data::PIXELS;
use crate::model::{read_f32, Features, ModelSpec, Net};
use crate::rng::Rng;
use crate::{err, Result};

/// The weight-file metadata key holding a teacher's [`FeatureStats`] (JSON).
pub const FEATURE_STATS_KEY: &str = "featureStats";

/// Weight of [`feature_stat_loss`] in the generator's loss.
pub const FEATURE_STAT_WEIGHT: f32 = 1.0;

/// Generated images shown per class in the page's grid ([`generated_grid`]).
pub const GRID_PER_CLASS: usize = 2;

/// One feature layer's per-channel mean and (population) variance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelStats {
    pub mean: Vec<f32>,
    pub var: Vec<f32>,
}

/// A teacher's feature statistics over its training set, one entry per feature layer (each conv
/// block's pooled maps per channel, then each hidden dense layer per unit): what a batch-norm
/// layer's running statistics would hold. They are measured once when the teacher is made and
/// stored in its weight file, so data-free distillation needs no training image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStats {
    pub layers: Vec<ChannelStats>,
}

/// The channel counts of `spec`'s feature layers, in [`FeatureStats`] order.
pub fn feature_channels(spec: &ModelSpec) -> Vec<usize> {
    match spec {
        ModelSpec::Mlp { hidden } => hidden.clone(),
        ModelSpec::Cnn { channels, hidden } => vec![channels[0], channels[1], *hidden],
    }
}

/// Each feature layer as rows `[examples · positions, channels]`.
pub fn feature_rows(f: &Features) -> Vec<Tensor<2>> {
    let maps = f.maps.iter().map(|m| {
        let [b, c, h, w] = m.dims();
        m.clone().swap_dims(1, 3).reshape([b * h * w, c])
    });
    maps.chain(f.hidden.iter().cloned()).collect()
}

impl FeatureStats {
    /// Measures `net`'s statistics on `images` (`n · 784` grey levels), in batches.
    pub async fn measure(net: &Net, images: &[u8], device: &Device) -> Result<Self> {
        let n = images.len() / PIXELS;
        if n == 0 {
            return Err(err!("no images to measure feature statistics on"));
        }
        let mut sums: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        let mut rows_seen = Vec::new();
        for chunk in images.chunks(PIXELS * 1000) {
            let b = chunk.len() / PIXELS;
            let x: Vec<f32> = chunk.iter().map(|&p| f32::from(p) / 255.0).collect();
            let x = Tensor::<2>::from_data(TensorData::new(x, [b, PIXELS]), device);
            let f = net.forward_features(x, 0.0);
            for (l, rows) in feature_rows(&f).into_iter().enumerate() {
                let [r, c] = rows.dims();
                let s = read_f32(rows.clone().sum_dim(0)).await?;
                let q = read_f32(rows.powi_scalar(2).sum_dim(0)).await?;
                if sums.len() <= l {
                    sums.push((vec![0.0; c], vec![0.0; c]));
                    rows_seen.push(0usize);
                }
                rows_seen[l] += r;
                for k in 0..c {
                    sums[l].0[k] += f64::from(s[k]);
                    sums[l].1[k] += f64::from(q[k]);
                }
            }
        }
        let layers = sums
            .into_iter()
            .zip(rows_seen)
            .map(|((s, q), r)| {
                let mean: Vec<f64> = s.iter().map(|v| v / r as f64).collect();
                let var = q
                    .iter()
                    .zip(&mean)
                    .map(|(q, m)| ((q / r as f64) - m * m).max(0.0) as f32)
                    .collect();
                ChannelStats {
                    mean: mean.into_iter().map(|m| m as f32).collect(),
                    var,
                }
            })
            .collect();
        Ok(Self { layers })
    }

    /// Reads the statistics from a weight file's metadata (`None` if it has none), checking
    /// that they fit `spec`, are finite and have non-negative variances.
    pub fn from_metadata(
        file: &str,
        meta: &std::collections::HashMap<String, String>,
        spec: &ModelSpec,
    ) -> Result<Option<Self>> {
        let Some(text) = meta.get(FEATURE_STATS_KEY) else {
            return Ok(None);
        };
        let stats: Self = serde_json::from_str(text)
            .map_err(|e| err!("{file}: metadata '{FEATURE_STATS_KEY}' is not valid ({e})"))?;
        let want = feature_channels(spec);
        let got: Vec<usize> = stats.layers.iter().map(|l| l.mean.len()).collect();
        if got != want || stats.layers.iter().any(|l| l.var.len() != l.mean.len()) {
            return Err(err!(
                "{file}: feature statistics for channels {got:?}, expected {want:?} for a {spec}"
            ));
        }
        let bad = stats.layers.iter().any(|l| {
            l.mean.iter().any(|v| !v.is_finite())
                || l.var.iter().any(|v| *v < 0.0 || !v.is_finite())
        });
        if bad {
            return Err(err!(
                "{file}: feature statistics hold a non-finite or negative value"
            ));
        }
        Ok(Some(stats))
    }

    /// The statistics as tensors on `device`.
    pub fn to_device(&self, device: &Device) -> Vec<(Tensor<1>, Tensor<1>)> {
        let up =
            |v: &Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [v.len()]), device);
        self.layers
            .iter()
            .map(|l| (up(&l.mean), up(&l.var)))
            .collect()
    }
}

/// The generator's input for `b` images: standard normal noise, then a one-hot class of
/// `classes`, the classes in turn (`i % classes`), `[b, NOISE_DIM + classes]`.
pub fn noise(b: usize, classes: usize, rng: &mut Rng, device: &Device) -> Tensor<2> {
    let mut z = Vec::with_capacity(b * (NOISE_DIM + classes));
    for i in 0..b {
        z.extend((0..NOISE_DIM).map(|_| rng.normal()));
        z.extend((0..classes).map(|k| if k == i % classes { 1.0 } else { 0.0 }));
    }
    Tensor::from_data(TensorData::new(z, [b, NOISE_DIM + classes]), device)
}

/// Images from the generator for a fixed noise (seed-independent, so the grid shows one set of
/// inputs changing as the generator learns): [`GRID_PER_CLASS`] rows of the classes,
/// `GRID_PER_CLASS · classes · 784` grey levels in `[0, 1]`.
pub async fn generated_grid(student: &Student, device: &Device) -> Result<Option<Vec<f32>>> {
    let Some(generator) = student.generator() else {
        return Ok(None);
    };
    let classes = generator.classes();
    let z = noise(
        GRID_PER_CLASS * classes,
        classes,
        &mut Rng::stream(0, "generator grid"),
        device,
    );
    Ok(Some(read_f32(generator.forward(z)).await?))
}
