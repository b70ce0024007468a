//! Progressive layer-wise distillation's side of a run: the teacher→student layer mapping (parsed,
//! chosen automatically or checked against the two architectures) and the adapters it needs.

use crate::distill::{LayerFeature, COMPARE_SIDE};
use crate::model::{Features, ModelSpec};
use crate::{err, Result};

/// A layer mapping: `(teacher layer, student layer)` pairs, 1-based over each network's feature
/// layers (conv blocks, then hidden dense layers), shallowest first.
pub type LayerMap = Vec<(usize, usize)>;

/// Most pairs a mapping may hold.
pub const MAX_PAIRS: usize = 8;

/// Parses `"t:s,t:s,…"` (e.g. `"2:1,3:2"`); the empty string means "choose automatically".
pub fn parse_layer_map(text: &str) -> Result<LayerMap> {
    let text = text.trim();
    if text.is_empty() || text == "auto" {
        return Ok(Vec::new());
    }
    let pairs = text
        .split(',')
        .map(|pair| {
            let (t, s) = pair.trim().split_once(':').ok_or_else(|| {
                err!("layer map '{text}': each pair is teacher:student, e.g. 2:1,3:2")
            })?;
            let num = |v: &str| {
                v.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        err!("layer map '{text}': '{v}' is not a layer number (1, 2, …)")
                    })
            };
            Ok((num(t)?, num(s)?))
        })
        .collect::<Result<LayerMap>>()?;
    if pairs.len() > MAX_PAIRS {
        return Err(err!("layer map '{text}': at most {MAX_PAIRS} pairs"));
    }
    Ok(pairs)
}

/// The feature layers of `spec` as `(is conv, channels or width)`.
fn layers(spec: &ModelSpec) -> Vec<(bool, usize)> {
    match spec {
        ModelSpec::Mlp { hidden } => hidden.iter().map(|&d| (false, d)).collect(),
        ModelSpec::Cnn { channels, hidden } => {
            vec![(true, channels[0]), (true, channels[1]), (false, *hidden)]
        }
    }
}

/// Short names of `spec`'s feature layers, e.g. `["conv 32", "conv 64", "dense 256"]`.
pub fn layer_names(spec: &ModelSpec) -> Vec<String> {
    layers(spec)
        .into_iter()
        .map(|(conv, n)| format!("{} {n}", if conv { "conv" } else { "dense" }))
        .collect()
}

/// The mapping a run uses: `text` parsed and checked against the two networks, or, if empty,
/// each student layer `j` of `n_s` paired with the teacher layer `round(j·n_t/n_s)`, keeping the
/// deepest student layer where several land on one teacher layer (the last layers always pair).
pub fn resolve_layer_map(text: &str, student: &ModelSpec, teacher: &ModelSpec) -> Result<LayerMap> {
    let (n_s, n_t) = (layers(student).len(), layers(teacher).len());
    if n_s == 0 || n_t == 0 {
        return Err(err!(
            "progressive distillation needs hidden layers in the student ({student}) and the teacher ({teacher})"
        ));
    }
    let pairs = parse_layer_map(text)?;
    if pairs.is_empty() {
        let mut auto: LayerMap = Vec::new();
        for j in 1..=n_s {
            let t = ((j * n_t) as f32 / n_s as f32).round().max(1.0) as usize;
            // Several student layers on one teacher layer: the deepest of them.
            match auto.last_mut() {
                Some(last) if last.0 == t => last.1 = j,
                _ => auto.push((t, j)),
            }
        }
        return Ok(auto);
    }
    for &(t, s) in &pairs {
        if t > n_t || s > n_s {
            return Err(err!(
                "layer map {}: the teacher ({teacher}) has layers 1..={n_t} and the student ({student}) 1..={n_s}",
                format_layer_map(&pairs)
            ));
        }
    }
    if pairs
        .windows(2)
        .any(|w| w[1].0 <= w[0].0 || w[1].1 <= w[0].1)
    {
        return Err(err!(
            "layer map {}: pairs go from shallow to deep, each deeper than the last in both networks",
            format_layer_map(&pairs)
        ));
    }
    Ok(pairs)
}

/// `"t:s,t:s"`.
pub fn format_layer_map(pairs: &[(usize, usize)]) -> String {
    let parts: Vec<String> = pairs.iter().map(|(t, s)| format!("{t}:{s}")).collect();
    parts.join(",")
}

/// Each pair's adapter as `(d_s, d_t)`: channels for a conv→conv pair (a 1×1 convolution),
/// flattened 7×7 sizes otherwise.
pub fn adapter_dims(
    pairs: &[(usize, usize)],
    student: &ModelSpec,
    teacher: &ModelSpec,
) -> Vec<(usize, usize)> {
    let (ls, lt) = (layers(student), layers(teacher));
    let area = COMPARE_SIDE * COMPARE_SIDE;
    pairs
        .iter()
        .map(|&(t, s)| match (ls[s - 1], lt[t - 1]) {
            ((true, cs), (true, ct)) => (cs, ct),
            ((conv_s, ds), (conv_t, dt)) => (
                if conv_s { ds * area } else { ds },
                if conv_t { dt * area } else { dt },
            ),
        })
        .collect()
}

/// Feature layer `i` (1-based) of `f`.
pub fn layer_feature(f: &Features, i: usize) -> LayerFeature {
    match f.maps.get(i - 1) {
        Some(m) => LayerFeature::Map(m.clone()),
        None => LayerFeature::Dense(f.hidden[i - 1 - f.maps.len()].clone()),
    }
}
