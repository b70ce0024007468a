//! A run's checkpoint: everything its next step depends on, as bytes — the trained module's
//! parameters (student network, FitNets' regressor or progressive adapters, discriminator,
//! generator: in visit order), the optimizer's state, the batch order and position, the
//! augmentation generator, the step and the fingerprints. [`Run::resume`] loads it into a run
//! built from the same settings, on any device: the browser takes one on WebGPU and, when the GPU
//! is lost, goes on from it on the CPU build.
//!
//! Format (little-endian): the 8 bytes `DLABCKPT`, a `u32` version ([`CHECKPOINT_VERSION`]), a
//! `u32` header length and the header (JSON: the settings; the data's size and the fingerprints
//! of its labels and of a sample of its images; the fingerprints of each teacher's logits for it
//! and the teacher network's architecture and, when it was loaded on the host, parameters; the
//! positions; the parameters' shapes and which of them have optimizer state); then `f32` values —
//! each parameter, then each stepped parameter's state tensors (Adam: `m`, `v`; SGD: velocity;
//! Lion: momentum) — and the epoch's batch order (`u32` each); last a `u64` checksum of all the
//! bytes before it.
//!
//! Not in it: dropout's random state. Dropout draws its masks from the device's own generator
//! (src/model/net.rs), which burn neither exposes nor lets us set, so a run with `dropout` > 0
//! resumes with other dropout masks than an uninterrupted run would draw: it goes on from the
//! same weights and batches, but not to the bit. Without dropout a resumed run is bitwise the
//! uninterrupted one (on the same device).

use burn::module::Module;
use burn::tensor::Transaction;
use serde::{Deserialize, Serialize};

mod bytes;
mod check;

use super::Run;
use crate::data::BatcherState;
use crate::rng::{Fingerprint, Rng};
use crate::train::{Optimizer, ParamState, StateTensor};
use crate::{err, Result};
use bytes::{checksum, parameters, parse, Floats, Load};

const MAGIC: &[u8; 8] = b"DLABCKPT";
/// The version of the format [`Run::checkpoint`] writes.
pub const CHECKPOINT_VERSION: u32 = 2;
/// The settings that do not change the training itself, and may differ on resuming.
const FREE_SETTINGS: [&str; 1] = ["evalEvery"];
/// The header's fingerprint of the training images takes every this-many-th image (all of the
/// 60,000 would cost a pass over 47 MB at each checkpoint; a sample tells datasets apart).
const IMAGE_SAMPLE: usize = 97;

/// What the checkpoint says besides its numbers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    config: serde_json::Value,
    dataset: String,
    /// Training examples the run draws from, and the fingerprint of their labels.
    train: usize,
    labels: u64,
    /// The fingerprint of every [`IMAGE_SAMPLE`]-th of those training images.
    images: u64,
    classes: usize,
    teachers: usize,
    /// Per teacher, the fingerprint of its logits for those training examples.
    teacher_logits: Vec<u64>,
    /// The teacher network's architecture, once it is set (feature methods).
    teacher_net: Option<String>,
    /// The fingerprint of the teacher network's parameters, when they were loaded on the host
    /// ([`Run::load_teacher_net`]; a network set on the device has none).
    teacher_net_params: Option<u64>,
    step: usize,
    total_steps: usize,
    epoch: usize,
    cursor: usize,
    batch_rng: u64,
    aug_rng: u64,
    init_fingerprint: u64,
    batch_fingerprint: u64,
    optimizer: Optimizer,
    /// Each parameter's shape, in visit order.
    params: Vec<Vec<usize>>,
    /// Per parameter: Adam's step count (0 for SGD and Lion) when it has optimizer state.
    states: Vec<Option<usize>>,
}

impl Run {
    /// The run as bytes (see the module docs), read back from the device asynchronously, in one
    /// transaction. Dropout's random state is not in it: a run with `dropout` > 0 resumed from
    /// it draws other dropout masks than an uninterrupted one.
    pub async fn checkpoint(&self) -> Result<Vec<u8>> {
        let params = parameters(&self.model);
        let shapes: Vec<Vec<usize>> = params.iter().map(StateTensor::dims).collect();
        let count = shapes.len();
        let states = self.optim.states();
        if states.len() > params.len() {
            return Err(err!(
                "the optimizer holds state for {} parameters, the module has {}",
                states.len(),
                params.len()
            ));
        }
        let mut tx = Transaction::default();
        for t in params.into_iter().chain(
            states
                .iter()
                .flatten()
                .flat_map(|s| s.tensors.iter().cloned()),
        ) {
            tx = t.register(tx);
        }
        let data = tx
            .execute_async()
            .await
            .map_err(|e| err!("reading the checkpoint back from the device failed: {e:?}"))?;
        let batcher = self.batcher.state();
        let header = Header {
            config: self.settings()?,
            dataset: self.data.name.clone(),
            train: self.batcher.len(),
            labels: self.labels_fingerprint(),
            images: self.images_fingerprint(),
            classes: self.classes(),
            teachers: self.teachers.len(),
            teacher_logits: self.teacher_fingerprints(),
            teacher_net: self.teacher_net.as_ref().map(|(spec, _)| spec.to_string()),
            teacher_net_params: self.teacher_net_params.map(|f| f.value()),
            step: self.step,
            total_steps: self.total_steps,
            epoch: batcher.epoch,
            cursor: batcher.cursor,
            batch_rng: batcher.rng,
            aug_rng: self.aug_rng.state(),
            init_fingerprint: self.init_fingerprint.value(),
            batch_fingerprint: self.batch_fingerprint.value(),
            optimizer: self.optim.kind(),
            params: shapes,
            states: (0..count)
                .map(|i| states.get(i).cloned().flatten().map(|s| s.time))
                .collect(),
        };
        let header = serde_json::to_vec(&header).map_err(|e| err!("checkpoint header: {e}"))?;
        let values: usize = data.iter().map(|d| d.num_elements()).sum();
        let mut out = Vec::with_capacity(32 + header.len() + 4 * (values + batcher.order.len()));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&CHECKPOINT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for d in data {
            let v = d
                .convert::<f32>()
                .try_into_vec::<f32>()
                .map_err(|e| err!("unexpected tensor data in the checkpoint: {e:?}"))?;
            v.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        }
        for &i in &batcher.order {
            out.extend_from_slice(&(i as u32).to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Ok(out)
    }

    /// Goes on from `bytes`, a [`Run::checkpoint`] of a run with the same settings (the
    /// evaluation interval aside), data, teachers (their logits, and the teacher network's
    /// architecture and, when both were loaded from a file, parameters) and parameters; call it after the teacher
    /// network is set (feature methods) and before training. A checkpoint that does not fit, is
    /// truncated or corrupt is refused, naming why, and the run is left as it was. Pruning masks
    /// are not part of it: set them again ([`Run::set_masks`]).
    pub fn resume(&mut self, bytes: &[u8]) -> Result<()> {
        let (header, body) = parse(bytes).map_err(|e| e.context("checkpoint"))?;
        self.check(&header, body.len())
            .map_err(|e| e.context("checkpoint"))?;
        let mut floats = Floats(body);
        let mut params = Vec::new();
        for shape in &header.params {
            params.push(StateTensor::from_values(
                floats.take(shape.iter().product())?,
                shape,
                &self.device,
            )?);
        }
        let inner = self.device.clone().inner();
        let per = self.optim.tensors_per_param();
        let mut states = Vec::new();
        for (shape, time) in header.params.iter().zip(&header.states) {
            states.push(match time {
                None => None,
                Some(time) => {
                    let mut tensors = Vec::new();
                    for _ in 0..per {
                        let n = shape.iter().product();
                        tensors.push(StateTensor::from_values(floats.take(n)?, shape, &inner)?);
                    }
                    Some(ParamState {
                        time: *time,
                        tensors,
                    })
                }
            });
        }
        let order: Vec<usize> = floats
            .0
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes(w.try_into().expect("4 bytes")) as usize)
            .collect();
        let mut batcher = self.batcher.clone();
        batcher
            .restore(BatcherState {
                rng: header.batch_rng,
                order,
                cursor: header.cursor,
                epoch: header.epoch,
            })
            .map_err(|e| e.context("checkpoint"))?;
        // Everything fits: only now does the run change.
        self.model = self.model.clone().map(&mut Load(params.into_iter()));
        self.optim.set_states(states);
        self.batcher = batcher;
        self.aug_rng = Rng::from_state(header.aug_rng);
        self.step = header.step;
        self.init_fingerprint = Fingerprint::from_value(header.init_fingerprint);
        self.batch_fingerprint = Fingerprint::from_value(header.batch_fingerprint);
        Ok(())
    }
}
