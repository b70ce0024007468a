//! A checkpoint's framing (magic, version, header length, checksum), and the module's parameters
//! in visit order, read out and loaded back.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;
use serde::Serialize;

use super::{Header, CHECKPOINT_VERSION, MAGIC};
use crate::train::StateTensor;
use crate::{err, Result};

/// `value` written as JSON text and read back.
pub(super) fn reread<T: Serialize>(value: &T) -> serde_json::Result<serde_json::Value> {
    serde_json::from_slice(&serde_json::to_vec(value)?)
}

/// The header and the body (values and order) of a checkpoint, once its framing and checksum
/// hold.
pub(super) fn parse(bytes: &[u8]) -> Result<(Header, &[u8])> {
    if bytes.len() < 16 + 8 || &bytes[..8] != MAGIC {
        return Err(err!("not a distill-lab checkpoint ({} bytes)", bytes.len()));
    }
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let version = word(8);
    if version != CHECKPOINT_VERSION {
        return Err(err!(
            "format version {version}, this build reads version {CHECKPOINT_VERSION}"
        ));
    }
    let (content, sum) = bytes.split_at(bytes.len() - 8);
    let header_len = word(12) as usize;
    if header_len > content.len() - 16 {
        return Err(err!(
            "truncated: its header alone needs {header_len} bytes, {} are left",
            content.len() - 16
        ));
    }
    if checksum(content) != u64::from_le_bytes(sum.try_into().expect("8 bytes")) {
        return Err(err!("corrupt or truncated: its checksum does not match"));
    }
    let header: Header = serde_json::from_slice(&content[16..16 + header_len])
        .map_err(|e| err!("its header cannot be read: {e}"))?;
    Ok((header, &content[16 + header_len..]))
}

/// The parameters of `module` (by reference-counted handle), in visit order, without autodiff
/// (a transaction reads tensors of one kind: the optimizer's state has none).
pub(super) fn parameters<M: Module>(module: &M) -> Vec<StateTensor> {
    struct Collect(Vec<StateTensor>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(StateTensor::wrap(param.val().inner()));
        }
    }
    let mut c = Collect(Vec::new());
    module.visit(&mut c);
    c.0
}

/// Replaces each parameter, in visit order, by the next tensor (of its shape, checked before).
pub(super) struct Load(pub(super) std::vec::IntoIter<StateTensor>);

impl ModuleMapper for Load {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let value = self
            .0
            .next()
            .and_then(StateTensor::get::<D>)
            .expect("checked against the module's parameters");
        param.map(|old| value.set_require_grad(old.is_require_grad()))
    }
}

/// The body's `f32` values, taken in order.
pub(super) struct Floats<'a>(pub(super) &'a [u8]);

impl Floats<'_> {
    pub(super) fn take(&mut self, n: usize) -> Result<Vec<f32>> {
        if self.0.len() < 4 * n {
            return Err(err!("checkpoint: truncated values"));
        }
        let (now, rest) = self.0.split_at(4 * n);
        self.0 = rest;
        Ok(now
            .chunks_exact(4)
            .map(|w| f32::from_le_bytes(w.try_into().expect("4 bytes")))
            .collect())
    }
}

/// A 64-bit checksum of `bytes`: words mixed in with an odd multiplier (each step is a
/// bijection, so any one changed word changes it), the length included.
pub(super) fn checksum(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}
