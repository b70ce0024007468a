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

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, Transaction};
use serde::{Deserialize, Serialize};

use super::Run;
use crate::data::{BatcherState, PIXELS};
use crate::rng::{Fingerprint, Rng};
use crate::train::{Optimizer, ParamState, StateTensor};
use crate::{err, Result};

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

    /// The settings as the checkpoint's header holds them: their JSON text read back (the `f32`
    /// settings as their shortest text, `0.97`, not widened to `0.9700000286102295`).
    fn settings(&self) -> Result<serde_json::Value> {
        reread(&self.config).map_err(|e| err!("the run's settings: {e}"))
    }

    /// The fingerprint of the labels of the examples the run draws from.
    fn labels_fingerprint(&self) -> u64 {
        let mut f = Fingerprint::default();
        let n = self.batcher.len();
        f.add(n as u64);
        self.data.train.labels[..n]
            .iter()
            .for_each(|&l| f.add(l.into()));
        f.value()
    }

    /// The fingerprint of every [`IMAGE_SAMPLE`]-th image of those the run draws from (8 pixels
    /// a word).
    fn images_fingerprint(&self) -> u64 {
        let mut f = Fingerprint::default();
        let n = self.batcher.len();
        f.add(n as u64);
        for image in self
            .data
            .train
            .images
            .chunks_exact(PIXELS)
            .take(n)
            .step_by(IMAGE_SAMPLE)
        {
            for w in image.chunks(8) {
                let mut word = [0u8; 8];
                word[..w.len()].copy_from_slice(w);
                f.add(u64::from_le_bytes(word));
            }
        }
        f.value()
    }

    /// Per teacher, the fingerprint of its logits for the examples the run draws from.
    fn teacher_fingerprints(&self) -> Vec<u64> {
        let n = self.batcher.len();
        self.teachers
            .iter()
            .map(|t| {
                let mut f = Fingerprint::default();
                f.add(n as u64);
                f.add(t.classes as u64);
                f.add_f32s(t.train.get(..n * t.classes).unwrap_or(&t.train));
                f.value()
            })
            .collect()
    }

    /// Whether the checkpoint `h` is of this run, naming the first difference; and whether its
    /// body (`body` bytes) has exactly the values and order the header announces.
    fn check(&self, h: &Header, body: usize) -> Result<()> {
        // Ours through the same text as theirs (written into the header, read back from it):
        // serde_json reads some numbers' text back to a neighbouring `f64`, the same one each time.
        let ours = reread(&self.settings()?).map_err(|e| err!("the run's settings: {e}"))?;
        let (Some(ours), Some(theirs)) = (ours.as_object(), h.config.as_object()) else {
            return Err(err!("its settings are not an object"));
        };
        let keys = ours.keys().chain(theirs.keys());
        for key in keys.filter(|k| !FREE_SETTINGS.contains(&k.as_str())) {
            let (a, b) = (theirs.get(key), ours.get(key));
            if a != b {
                let show =
                    |v: Option<&serde_json::Value>| v.map_or("nothing".into(), |v| v.to_string());
                return Err(err!(
                    "made with {key} = {}, this run has {}",
                    show(a),
                    show(b)
                ));
            }
        }
        let same = |what: &str, theirs: String, ours: String| {
            if theirs == ours {
                Ok(())
            } else {
                Err(err!("made with {what} {theirs}, this run has {ours}"))
            }
        };
        same("dataset", h.dataset.clone(), self.data.name.clone())?;
        same(
            "training examples",
            h.train.to_string(),
            self.batcher.len().to_string(),
        )?;
        same("classes", h.classes.to_string(), self.classes().to_string())?;
        if h.labels != self.labels_fingerprint() {
            return Err(err!(
                "made on other training labels (another transfer set?)"
            ));
        }
        if h.images != self.images_fingerprint() {
            return Err(err!(
                "made on other training images (another dataset of the same size?)"
            ));
        }
        same(
            "teachers",
            h.teachers.to_string(),
            self.teachers.len().to_string(),
        )?;
        let ours = self.teacher_fingerprints();
        if h.teacher_logits.len() != ours.len() {
            return Err(err!(
                "fingerprints of {} teachers' logits, the run has {} teachers",
                h.teacher_logits.len(),
                ours.len()
            ));
        }
        if let Some(i) = (0..ours.len()).find(|&i| h.teacher_logits[i] != ours[i]) {
            let which = if ours.len() > 1 {
                format!("teacher {}", i + 1)
            } else {
                "teacher".into()
            };
            return Err(err!(
                "made with another {which}: its logits for the training examples differ"
            ));
        }
        let spec = self.teacher_net.as_ref().map(|(spec, _)| spec.to_string());
        let none = || "none".to_string();
        same(
            "teacher network",
            h.teacher_net.clone().unwrap_or_else(none),
            spec.unwrap_or_else(none),
        )?;
        // A network set on the device has no fingerprint: then only its architecture is checked.
        if let (Some(theirs), Some(ours)) = (h.teacher_net_params, self.teacher_net_params) {
            if theirs != ours.value() {
                return Err(err!(
                    "made with another teacher network: its parameters differ"
                ));
            }
        }
        same(
            "total steps",
            h.total_steps.to_string(),
            self.total_steps.to_string(),
        )?;
        same(
            "optimizer",
            format!("{:?}", h.optimizer),
            format!("{:?}", self.optim.kind()),
        )?;
        if h.step > h.total_steps {
            return Err(err!("at step {} of {}", h.step, h.total_steps));
        }
        // Adam's step count of a parameter is at most the run's step (its bias correction takes
        // `time + 1` and `time as i32`); SGD and Lion keep none.
        let adam = self.optim.kind() == Optimizer::Adam;
        for (i, time) in h.states.iter().enumerate() {
            match *time {
                Some(t) if adam && t > h.step => {
                    return Err(err!(
                        "Adam's step count of parameter {i} is {t}, beyond the checkpoint's step {}",
                        h.step
                    ));
                }
                Some(t) if !adam && t != 0 => {
                    return Err(err!(
                        "a step count {t} in the {:?} state of parameter {i}, which keeps none",
                        h.optimizer
                    ));
                }
                _ => {}
            }
        }
        let shapes: Vec<Vec<usize>> = parameters(&self.model)
            .iter()
            .map(StateTensor::dims)
            .collect();
        if h.params != shapes {
            return Err(err!(
                "its {} parameters have shapes {:?}, this run's {} have {:?} (for a feature method, \
                 set the teacher network before resuming)",
                h.params.len(),
                h.params,
                shapes.len(),
                shapes
            ));
        }
        if h.states.len() != shapes.len() {
            return Err(err!(
                "optimizer state for {} parameters, the run has {}",
                h.states.len(),
                shapes.len()
            ));
        }
        let per = self.optim.tensors_per_param();
        let values: usize = shapes
            .iter()
            .zip(&h.states)
            .map(|(s, t)| s.iter().product::<usize>() * (1 + per * usize::from(t.is_some())))
            .sum();
        let want = 4 * (values + h.train);
        if body != want {
            return Err(err!(
                "{body} bytes of values and batch order, its header announces {want}"
            ));
        }
        Ok(())
    }
}

/// `value` written as JSON text and read back.
fn reread<T: Serialize>(value: &T) -> serde_json::Result<serde_json::Value> {
    serde_json::from_slice(&serde_json::to_vec(value)?)
}

/// The header and the body (values and order) of a checkpoint, once its framing and checksum
/// hold.
fn parse(bytes: &[u8]) -> Result<(Header, &[u8])> {
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
fn parameters<M: Module>(module: &M) -> Vec<StateTensor> {
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
struct Load(std::vec::IntoIter<StateTensor>);

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
struct Floats<'a>(&'a [u8]);

impl Floats<'_> {
    fn take(&mut self, n: usize) -> Result<Vec<f32>> {
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
fn checksum(bytes: &[u8]) -> u64 {
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
