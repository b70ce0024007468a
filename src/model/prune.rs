//! Magnitude pruning, for deployment.
//!
//! - **Unstructured** (PyTorch's `prune.l1_unstructured`, per layer): in each layer the
//!   `round(sparsity · n)` weights of smallest magnitude become 0; biases stay. The network keeps
//!   its shape; the zeros are held at 0 while the student is fine-tuned ([`weight_masks`]).
//! - **Structured, per neuron** (`prune.ln_structured` with n = 2 on the output dimension, then
//!   removal): each hidden dense layer keeps its `ceil(keep · width)` neurons with the largest L2
//!   norm of incoming weights; the others are removed together with their outgoing weights, which
//!   gives a smaller dense network ([`prune_neurons`]).
//!
//! Weights are host `(weight, bias)` pairs per layer of [`ModelSpec::layer_shapes`] (dense
//! weights in burn's `[in, out]` layout).

use super::ModelSpec;
use crate::{err, Result};

/// Host weights: one `(weight, bias)` pair per layer.
pub type HostWeights = Vec<(Vec<f32>, Vec<f32>)>;

/// 0/1 masks of the weights (not the biases) that per-layer unstructured magnitude pruning at
/// `sparsity` keeps; one per layer, shaped like its weights.
pub fn weight_masks(host: &HostWeights, sparsity: f32) -> Result<Vec<Vec<f32>>> {
    if !(0.0..1.0).contains(&sparsity) {
        return Err(err!(
            "sparsity = {sparsity} is out of range: expected a share in [0, 1)"
        ));
    }
    Ok(host
        .iter()
        .map(|(w, _)| {
            let k = (sparsity * w.len() as f32).round() as usize;
            let mut order: Vec<usize> = (0..w.len()).collect();
            order.sort_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()).then(a.cmp(&b)));
            let mut mask = vec![1.0; w.len()];
            for &i in &order[..k] {
                mask[i] = 0.0;
            }
            mask
        })
        .collect())
}

/// Zeroes the weights that `masks` drop.
pub fn apply_masks(host: &mut HostWeights, masks: &[Vec<f32>]) {
    for ((w, _), m) in host.iter_mut().zip(masks) {
        w.iter_mut().zip(m).for_each(|(x, &keep)| *x *= keep);
    }
}

/// Share of the weights (not biases) that are exactly 0.
pub fn sparsity(host: &HostWeights) -> f64 {
    let (zeros, all) = host.iter().fold((0usize, 0usize), |(z, n), (w, _)| {
        (z + w.iter().filter(|&&x| x == 0.0).count(), n + w.len())
    });
    zeros as f64 / all.max(1) as f64
}

/// Removes the weakest neurons of every hidden dense layer, keeping `ceil(keep · width)` of
/// each (at least 1), in their original order. Returns the smaller architecture and its weights.
pub fn prune_neurons(
    spec: &ModelSpec,
    host: &HostWeights,
    keep: f32,
) -> Result<(ModelSpec, HostWeights)> {
    if !(keep > 0.0 && keep <= 1.0) {
        return Err(err!(
            "keep = {keep} is out of range: expected a share in (0, 1]"
        ));
    }
    let shapes = spec.layer_shapes(super::net::host_classes(host)?);
    let first_dense = shapes.iter().position(|(s, _)| s.len() == 2).unwrap_or(0);
    let mut out = host.clone();
    let mut widths = Vec::new();
    // Each hidden dense layer i: its neurons are the columns of weight i ([in, out]) and its
    // biases; their outgoing weights are the rows of weight i + 1.
    for i in first_dense..shapes.len() - 1 {
        let (ref shape, _) = shapes[i];
        let (n_in, n_out) = (out[i].0.len() / out[i].1.len(), out[i].1.len());
        debug_assert_eq!(shape.len(), 2);
        let norm = |j: usize| -> f32 { (0..n_in).map(|r| out[i].0[r * n_out + j].powi(2)).sum() };
        let k = ((keep * n_out as f32).ceil() as usize).clamp(1, n_out);
        let mut order: Vec<usize> = (0..n_out).collect();
        order.sort_by(|&a, &b| norm(b).total_cmp(&norm(a)).then(a.cmp(&b)));
        let mut kept = order[..k].to_vec();
        kept.sort_unstable();
        let w: Vec<f32> = (0..n_in)
            .flat_map(|r| kept.iter().map(move |&j| (r, j)))
            .map(|(r, j)| out[i].0[r * n_out + j])
            .collect();
        let b: Vec<f32> = kept.iter().map(|&j| out[i].1[j]).collect();
        let next_out = out[i + 1].1.len();
        let next: Vec<f32> = kept
            .iter()
            .flat_map(|&j| out[i + 1].0[j * next_out..(j + 1) * next_out].to_vec())
            .collect();
        out[i] = (w, b);
        out[i + 1].0 = next;
        widths.push(k);
    }
    let pruned = match spec {
        ModelSpec::Mlp { .. } => ModelSpec::Mlp { hidden: widths },
        ModelSpec::Cnn { channels, .. } => ModelSpec::Cnn {
            channels: *channels,
            hidden: widths[0],
        },
    };
    Ok((pruned, out))
}
