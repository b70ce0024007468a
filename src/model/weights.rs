//! Weight files: safetensors that PyTorch can load (`safetensors.torch.load_file`).
//!
//! Tensors `layers.{i}.weight` / `layers.{i}.bias` in PyTorch's layouts (conv `[out, in, kh,
//! kw]`, dense `[out, in]`), with the architecture in the metadata (`spec`) and the number of
//! classes (`classes`). Files written before the class count was stored (all of them 10-class)
//! have no `classes`: it is then the length of the last layer's bias, which every file holds.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors};

use super::{HostWeights, ModelSpec, Net};
use crate::data::{MAX_CLASSES, MIN_CLASSES};
use crate::{err, Result};
use burn::tensor::Device;

/// The metadata key of a weight file's number of classes.
pub const CLASSES_KEY: &str = "classes";

/// The `format` metadata value of our weight files.
pub const WEIGHTS_FORMAT: &str = "distill-lab-weights/1";

/// The largest weight or logits file read from disk: [`MAX_PARAMS`](super::MAX_PARAMS) f32
/// values and 16 MiB for the header and metadata.
pub const MAX_FILE_BYTES: usize = super::MAX_PARAMS * 4 + (16 << 20);

pub(crate) fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = w[r * cols + c];
        }
    }
    out
}

fn le_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises a network's weights (async read back) with extra metadata.
pub async fn save_weights(
    net: &Net,
    spec: &ModelSpec,
    extra: &[(&str, String)],
) -> Result<Vec<u8>> {
    let host = net.to_host().await?;
    let classes = net.classes();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, ((w, b), (shape, _))) in host.iter().zip(spec.layer_shapes(classes)).enumerate() {
        let (shape, w) = if shape.len() == 2 {
            (vec![shape[1], shape[0]], transpose(w, shape[0], shape[1]))
        } else {
            (shape, w.clone())
        };
        tensors.push((format!("layers.{i}.weight"), shape, le_bytes(&w)));
        tensors.push((format!("layers.{i}.bias"), vec![b.len()], le_bytes(b)));
    }
    let views = tensors
        .iter()
        .map(|(n, s, d)| {
            safetensors::tensor::TensorView::new(Dtype::F32, s.clone(), d).map(|v| (n.clone(), v))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| err!("serialising weights: {e}"))?;
    let mut meta: HashMap<String, String> = HashMap::new();
    meta.insert("format".into(), WEIGHTS_FORMAT.into());
    meta.insert("spec".into(), spec.to_string());
    meta.insert(CLASSES_KEY.into(), classes.to_string());
    for (k, v) in extra {
        meta.insert((*k).into(), v.clone());
    }
    safetensors::serialize(views, Some(meta)).map_err(|e| err!("serialising weights: {e}"))
}

/// Reads the f32 values of tensor `key`, checking dtype and shape.
pub(crate) fn read_tensor(
    file: &str,
    st: &SafeTensors,
    key: &str,
    dtype: Dtype,
    shape: &[usize],
) -> Result<Vec<f32>> {
    let t = st
        .tensor(key)
        .map_err(|_| err!("{file}: tensor '{key}' is missing"))?;
    if t.dtype() != dtype {
        return Err(err!(
            "{file}: tensor '{key}' has dtype {:?}, expected {dtype:?}",
            t.dtype()
        ));
    }
    if t.shape() != shape {
        return Err(err!(
            "{file}: tensor '{key}' has shape {:?}, expected {shape:?}",
            t.shape()
        ));
    }
    let values: Vec<f32> = match dtype {
        Dtype::F16 => t
            .data()
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        _ => t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(err!(
            "{file}: tensor '{key}' holds a non-finite value at {i}"
        ));
    }
    Ok(values)
}

/// The `format` metadata of a safetensors file, if it has one (to tell float weights from
/// integer networks before parsing either).
pub fn file_format(bytes: &[u8]) -> Option<String> {
    let (_, meta) = SafeTensors::read_metadata(bytes).ok()?;
    meta.metadata().as_ref()?.get("format").cloned()
}

/// The architecture a weight file's metadata names (`spec`), if it names a valid one.
pub fn file_spec(bytes: &[u8]) -> Option<ModelSpec> {
    let (_, meta) = SafeTensors::read_metadata(bytes).ok()?;
    ModelSpec::parse(meta.metadata().as_ref()?.get("spec")?).ok()
}

/// The class count of a weight file (float or integer) of architecture `spec`: its `classes`
/// metadata, else the length of its last layer's bias (files from before the metadata existed).
pub(crate) fn stored_classes(
    file: &str,
    st: &SafeTensors,
    meta: &HashMap<String, String>,
    spec: &ModelSpec,
) -> Result<usize> {
    let range = MIN_CLASSES..=MAX_CLASSES;
    let k = match meta.get(CLASSES_KEY) {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| err!("{file}: '{CLASSES_KEY}' metadata '{text}' is not an integer"))?,
        None => {
            let key = format!("layers.{}.bias", spec.layer_shapes(2).len() - 1);
            match st.tensor(&key).map(|t| t.shape().to_vec()) {
                Ok(shape) if shape.len() == 1 => shape[0],
                Ok(shape) => {
                    return Err(err!(
                        "{file}: tensor '{key}' has shape {shape:?}, expected [classes]"
                    ))
                }
                Err(_) => return Err(err!("{file}: tensor '{key}' is missing")),
            }
        }
    };
    match range.contains(&k) {
        true => Ok(k),
        false => Err(err!(
            "{file}: {k} classes, expected {MIN_CLASSES} to {MAX_CLASSES}"
        )),
    }
}

/// Parses safetensors bytes and their metadata, checking the `format` tag.
pub(crate) fn open<'a>(
    file: &str,
    bytes: &'a [u8],
    format: &str,
) -> Result<(SafeTensors<'a>, HashMap<String, String>)> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| err!("{file}: not a valid safetensors file ({e})"))?;
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| err!("{file}: not a valid safetensors file ({e})"))?;
    let meta = meta.metadata().clone().unwrap_or_default();
    match meta.get("format") {
        Some(f) if f == format => Ok((st, meta)),
        Some(f) => Err(err!("{file}: format '{f}', expected '{format}'")),
        None => Err(err!("{file}: no 'format' metadata, expected '{format}'")),
    }
}

/// Loads a weight file; the architecture comes from its metadata and, if `expect` is given,
/// must equal it.
pub fn load_weights(
    file: &str,
    bytes: &[u8],
    expect: Option<&ModelSpec>,
    device: &Device,
) -> Result<(ModelSpec, Net, HashMap<String, String>)> {
    let (spec, layers, meta) = load_host_weights(file, bytes, expect)?;
    let net = Net::from_host(&spec, layers, device).map_err(|e| e.context(file))?;
    Ok((spec, net, meta))
}

/// [`load_weights`] without the device: the layers' weights and biases on the host (as
/// [`Net::from_host`] takes them), checked against the architecture.
pub fn load_host_weights(
    file: &str,
    bytes: &[u8],
    expect: Option<&ModelSpec>,
) -> Result<(ModelSpec, HostWeights, HashMap<String, String>)> {
    let (st, meta) = open(file, bytes, WEIGHTS_FORMAT)?;
    let spec_text = meta
        .get("spec")
        .ok_or_else(|| err!("{file}: no 'spec' metadata naming the architecture"))?;
    let spec = ModelSpec::parse(spec_text).map_err(|e| e.context(file))?;
    if let Some(want) = expect {
        if *want != spec {
            return Err(err!("{file}: holds a {spec}, expected a {want}"));
        }
    }
    let classes = stored_classes(file, &st, &meta, &spec)?;
    let shapes = spec.layer_shapes(classes);
    let mut layers = Vec::new();
    for (i, (shape, bias)) in shapes.iter().cloned().enumerate() {
        let w = if shape.len() == 2 {
            let t = read_tensor(
                file,
                &st,
                &format!("layers.{i}.weight"),
                Dtype::F32,
                &[shape[1], shape[0]],
            )?;
            transpose(&t, shape[1], shape[0])
        } else {
            read_tensor(file, &st, &format!("layers.{i}.weight"), Dtype::F32, &shape)?
        };
        let b = read_tensor(file, &st, &format!("layers.{i}.bias"), Dtype::F32, &[bias])?;
        layers.push((w, b));
    }
    let expected = 2 * shapes.len();
    if st.len() != expected {
        return Err(err!(
            "{file}: {} tensors, expected {expected} for a {spec}",
            st.len()
        ));
    }
    Ok((spec, layers, meta))
}
