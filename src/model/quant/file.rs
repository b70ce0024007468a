//! The integer network's file: safetensors with `format` = [`INT8_FORMAT`]:
//! `layers.{i}.weight` (I8, PyTorch's layout), `layers.{i}.weight_scale` (F32 `[out]`),
//! `layers.{i}.bias` (I32 `[out]`) and `layers.{i}.input_scale` (F32 `[1]`), with `spec` and
//! `bits` in the metadata.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors};

use super::{check_bits, Layer, QuantNet};
use crate::distill::weight_levels;
use crate::model::weights::{open, read_tensor, stored_classes, CLASSES_KEY};
use crate::model::ModelSpec;
use crate::{err, Result};

/// The `format` metadata value of integer weight files.
pub const INT8_FORMAT: &str = "distill-lab-int8/1";

impl QuantNet {
    /// The safetensors file (see the module docs), with extra metadata.
    pub fn to_bytes(&self, extra: &[(&str, String)]) -> Result<Vec<u8>> {
        let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
            let weight = l.weight.iter().map(|&q| q as u8).collect();
            let bias = l.bias.iter().flat_map(|x| x.to_le_bytes()).collect();
            let n = l.outputs();
            tensors.push((
                format!("layers.{i}.weight"),
                Dtype::I8,
                l.shape.clone(),
                weight,
            ));
            tensors.push((
                format!("layers.{i}.weight_scale"),
                Dtype::F32,
                vec![n],
                f32s(&l.weight_scale),
            ));
            tensors.push((format!("layers.{i}.bias"), Dtype::I32, vec![n], bias));
            tensors.push((
                format!("layers.{i}.input_scale"),
                Dtype::F32,
                vec![1],
                f32s(&[l.input_scale]),
            ));
        }
        let views = tensors
            .iter()
            .map(|(n, dt, s, d)| {
                safetensors::tensor::TensorView::new(*dt, s.clone(), d).map(|v| (n.clone(), v))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| err!("serialising int8 weights: {e}"))?;
        let mut meta: HashMap<String, String> = HashMap::new();
        meta.insert("format".into(), INT8_FORMAT.into());
        meta.insert("spec".into(), self.spec.to_string());
        meta.insert("bits".into(), self.bits.to_string());
        meta.insert(CLASSES_KEY.into(), self.classes().to_string());
        for (k, v) in extra {
            meta.insert((*k).into(), v.clone());
        }
        safetensors::serialize(views, Some(meta)).map_err(|e| err!("serialising int8 weights: {e}"))
    }

    /// Reads a file written by [`QuantNet::to_bytes`], checking every tensor's dtype, shape and
    /// range.
    pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<Self> {
        let (st, meta) = open(file, bytes, INT8_FORMAT)?;
        let get = |k: &str| meta.get(k).ok_or_else(|| err!("{file}: no '{k}' metadata"));
        let spec = ModelSpec::parse(get("spec")?).map_err(|e| e.context(file))?;
        let bits: u32 = get("bits")?
            .parse()
            .map_err(|_| err!("{file}: 'bits' metadata is not an integer"))?;
        check_bits(bits).map_err(|e| e.context(file))?;
        let levels = weight_levels(bits) as i8;
        let classes = stored_classes(file, &st, &meta, &spec)?;
        let mut layers = Vec::new();
        for (i, (shape, n)) in spec.layer_shapes(classes).into_iter().enumerate() {
            let shape = match shape.len() {
                2 => vec![shape[1], shape[0]],
                _ => shape,
            };
            let weight: Vec<i8> = raw(file, &st, &format!("layers.{i}.weight"), Dtype::I8, &shape)?
                .iter()
                .map(|&b| b as i8)
                .collect();
            // Compared as i16: `i8::abs` of −128 overflows (and −128 is outside ±127 anyway).
            if let Some(q) = weight
                .iter()
                .find(|&&q| i16::from(q).abs() > i16::from(levels))
            {
                return Err(err!(
                    "{file}: layers.{i}.weight holds {q}, outside ±{levels} for {bits} bits"
                ));
            }
            let weight_scale = read_tensor(
                file,
                &st,
                &format!("layers.{i}.weight_scale"),
                Dtype::F32,
                &[n],
            )?;
            let input_scale = read_tensor(
                file,
                &st,
                &format!("layers.{i}.input_scale"),
                Dtype::F32,
                &[1],
            )?[0];
            if weight_scale.iter().chain([&input_scale]).any(|&s| s <= 0.0) {
                return Err(err!("{file}: layer {i} has a scale that is not positive"));
            }
            let bias = raw(file, &st, &format!("layers.{i}.bias"), Dtype::I32, &[n])?
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            layers.push(Layer {
                shape,
                weight,
                weight_scale,
                bias,
                input_scale,
            });
        }
        if st.len() != 4 * layers.len() {
            return Err(err!(
                "{file}: {} tensors, expected {} for a {spec}",
                st.len(),
                4 * layers.len()
            ));
        }
        Ok(Self { spec, bits, layers })
    }
}

/// The bytes of tensor `key`, checking its dtype and shape.
fn raw<'a>(
    file: &str,
    st: &SafeTensors<'a>,
    key: &str,
    dtype: Dtype,
    shape: &[usize],
) -> Result<&'a [u8]> {
    let t = st
        .tensor(key)
        .map_err(|_| err!("{file}: tensor '{key}' is missing"))?;
    if t.dtype() != dtype || t.shape() != shape {
        return Err(err!(
            "{file}: tensor '{key}' is {:?} {:?}, expected {dtype:?} {shape:?}",
            t.dtype(),
            t.shape()
        ));
    }
    Ok(t.data())
}
