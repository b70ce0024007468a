//! One training run, advanced in chunks of steps so a browser can stay responsive.

mod checkpoint;
mod eval;
mod step;
mod teacher;

pub use checkpoint::CHECKPOINT_VERSION;

use std::sync::Arc;

use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use serde::Serialize;

use super::{Optim, Student, TrainConfig};
use crate::data::{Batcher, Dataset};
use crate::method::StepLoss;
use crate::model::{read_f32, ModelSpec, Net, TeacherLogits, WeightMasks};
use crate::rng::{Fingerprint, Rng};
use crate::{err, Result};

/// What a chunk of training did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkReport {
    /// Steps done so far in the run.
    pub step: usize,
    /// Steps the run will take in all.
    pub total_steps: usize,
    /// Current epoch (0-based).
    pub epoch: usize,
    /// The loss of each step of this chunk.
    pub losses: Vec<f32>,
    /// Whether the run has done all its steps.
    pub finished: bool,
    /// Set when a non-finite loss paused the run; the weights were restored.
    pub nan_paused: Option<String>,
    /// Adversarial distillation: the discriminator's accuracy at each step of this chunk
    /// (empty for the other methods).
    pub discriminator_accuracy: Vec<f32>,
}

/// A student (or teacher) being trained: model, optimizer, batch order and progress.
pub struct Run {
    config: TrainConfig,
    spec: ModelSpec,
    device: Device,
    model: Student,
    optim: Optim,
    batcher: Batcher,
    aug_rng: Rng,
    step: usize,
    total_steps: usize,
    data: Arc<Dataset>,
    teachers: Vec<Arc<TeacherLogits>>,
    /// The teacher network (no gradients), for the feature-based methods.
    teacher_net: Option<(ModelSpec, Net)>,
    /// The fingerprint of the teacher network's parameters, when they were loaded on the host
    /// ([`Run::load_teacher_net`]): a checkpoint's check.
    teacher_net_params: Option<Fingerprint>,
    init_fingerprint: Fingerprint,
    batch_fingerprint: Fingerprint,
    /// Pruning masks held after every step (fine-tuning a pruned student).
    masks: Option<WeightMasks>,
    /// Progressive distillation: the layer pairs (resolved with the teacher network).
    layer_map: Vec<(usize, usize)>,
    /// Data-free distillation: the teacher's stored feature statistics, on the device.
    feature_stats: Vec<(Tensor<1>, Tensor<1>)>,
}

impl Run {
    /// A new run on `device` (autodiff is enabled on it here). With `teacher`, the loss is the
    /// config's method; without, plain cross-entropy on hard labels (`alpha` is ignored).
    pub fn new(
        config: TrainConfig,
        data: Arc<Dataset>,
        teacher: Option<Arc<TeacherLogits>>,
        device: &Device,
    ) -> Result<Self> {
        Self::with_teachers(config, data, teacher.into_iter().collect(), device)
    }

    /// A new run learning from several teachers (the multi-teacher methods need two or more;
    /// the others use the first).
    pub fn with_teachers(
        config: TrainConfig,
        data: Arc<Dataset>,
        teachers: Vec<Arc<TeacherLogits>>,
        device: &Device,
    ) -> Result<Self> {
        let spec = config.validate()?;
        for t in &teachers {
            t.check_matches(&data)?;
        }
        let wanted = config.method.needs().teachers;
        if !teachers.is_empty() && teachers.len() < wanted {
            let words = ["no", "one", "two", "three"];
            return Err(err!(
                "method {} needs at least {} teachers, got {}",
                config.method,
                words.get(wanted).copied().unwrap_or("more"),
                teachers.len()
            ));
        }
        let device = device.clone().autodiff();
        spec.check_size(crate::model::MAX_PARAMS, data.classes())?;
        let host = Net::init_host(&spec, data.classes(), config.seed);
        let mut init = Fingerprint::default();
        for (w, b) in &host {
            init.add_f32s(w);
            init.add_f32s(b);
        }
        let model = Net::from_host(&spec, host, &device)?;
        let mut run = Self::with_model(config, spec, model, data, teachers, device);
        run.init_fingerprint = init;
        Ok(run)
    }

    /// A run starting from the given weights (already on `device`).
    pub fn with_model(
        config: TrainConfig,
        spec: ModelSpec,
        model: Net,
        data: Arc<Dataset>,
        teachers: Vec<Arc<TeacherLogits>>,
        device: Device,
    ) -> Self {
        let n = match config.train_limit {
            0 => data.train.len(),
            k => k.min(data.train.len()),
        };
        let batcher = Batcher::new(n, config.batch_size, config.seed);
        let total_steps = config.epochs * batcher.batches_per_epoch();
        let needs = config.method.needs();
        let classes = data.classes();
        let mut student = Student::new(model);
        if needs.discriminator && !teachers.is_empty() {
            student = student.with_discriminator(classes, config.seed, &device);
        }
        if needs.generator && !teachers.is_empty() {
            student = student.with_generator(classes, config.seed, &device);
        }
        Self {
            aug_rng: Rng::stream(config.seed, "augment"),
            optim: config.optimizer.init(config.momentum),
            config,
            spec,
            device,
            model: student,
            batcher,
            step: 0,
            total_steps,
            data,
            teachers,
            teacher_net: None,
            teacher_net_params: None,
            init_fingerprint: Fingerprint::default(),
            batch_fingerprint: Fingerprint::default(),
            masks: None,
            feature_stats: Vec::new(),
            layer_map: Vec::new(),
        }
    }

    /// Fingerprint of the initial weights (of [`Net::init_host`]; the empty fingerprint for a
    /// run made [`Run::with_model`]).
    pub fn init_fingerprint(&self) -> Fingerprint {
        self.init_fingerprint
    }

    /// Fingerprint of every batch of example indices trained on so far, in order.
    pub fn batch_fingerprint(&self) -> Fingerprint {
        self.batch_fingerprint
    }

    /// Whether this run learns from a teacher (else from hard labels only).
    pub fn has_teacher(&self) -> bool {
        !self.teachers.is_empty()
    }

    /// The architecture.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The settings.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The current weights.
    pub fn model(&self) -> &Net {
        &self.model.net
    }

    /// The dataset it trains on.
    pub fn data(&self) -> &Arc<Dataset> {
        &self.data
    }

    /// The name of the dataset it trains on.
    pub fn dataset_name(&self) -> &str {
        &self.data.name
    }

    /// The number of classes: the dataset's, the width of the model's output.
    pub fn classes(&self) -> usize {
        self.data.classes()
    }

    /// The device the run trains on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Holds the student's weights at 0 where `masks` (one per layer, from
    /// [`crate::model::weight_masks`]) are 0, now and after every step: fine-tuning a pruned
    /// student.
    pub fn set_masks(&mut self, masks: Vec<Vec<f32>>) -> Result<()> {
        let shapes = self.spec.layer_shapes(self.classes());
        let fits = masks.len() == shapes.len()
            && masks
                .iter()
                .zip(&shapes)
                .all(|(m, (s, _))| m.len() == s.iter().product::<usize>());
        if !fits {
            return Err(err!("the masks do not fit a {}", self.spec));
        }
        let masks = self.model.net.weight_masks(&masks);
        self.model.net = self.model.net.clone().masked(&masks);
        self.masks = Some(masks);
        Ok(())
    }

    /// Steps done so far.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Steps in the whole run.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    /// Whether every step is done.
    pub fn finished(&self) -> bool {
        self.step >= self.total_steps
    }

    /// Trains up to `n` steps and reads their losses back once.
    ///
    /// If any loss is NaN or ±∞, the model, optimizer and batch order are restored to their
    /// state before this chunk and the report says so: the run pauses with its last good
    /// weights.
    pub async fn train_steps(&mut self, n: usize) -> Result<ChunkReport> {
        if self.config.method.needs().teacher_net
            && self.has_teacher()
            && self.teacher_net.is_none()
        {
            return Err(err!(
                "method {} needs the teacher network: load its weights first",
                self.config.method
            ));
        }
        if self.config.method.needs().generator
            && self.has_teacher()
            && self.feature_stats.is_empty()
        {
            return Err(err!(
                "data-free distillation needs the teacher's feature statistics: load the teacher \
                 with Run::load_teacher_net"
            ));
        }
        let snapshot = (
            self.model.clone(),
            self.optim.clone(),
            self.batcher.clone(),
            self.aug_rng.clone(),
            self.step,
            self.batch_fingerprint,
        );
        let (mut losses, mut accuracies) = (Vec::new(), Vec::new());
        while losses.len() < n && !self.finished() {
            let indices = self.batcher.next_batch();
            self.batch_fingerprint.add(indices.len() as u64);
            for &i in &indices {
                self.batch_fingerprint.add(i as u64);
            }
            let StepLoss {
                loss,
                discriminator,
            } = self.loss(&indices);
            let grads = GradientsParams::from_grads(loss.backward(), &self.model);
            let lr = self.config.lr_at(self.step, self.total_steps);
            let mut model = self.optim.step(lr, self.model.clone(), grads);
            if let Some(masks) = &self.masks {
                model.net = model.net.masked(masks);
            }
            self.model = model;
            losses.push(loss.detach().without_autodiff());
            accuracies.extend(discriminator.map(|a| a.without_autodiff()));
            self.step += 1;
        }
        // One read back for the chunk: the losses, then any discriminator accuracies.
        let steps = losses.len();
        let mut values = match steps {
            0 => Vec::new(),
            _ => read_f32(Tensor::cat([losses, accuracies].concat(), 0)).await?,
        };
        let discriminator_accuracy = values.split_off(steps.min(values.len()));
        let losses = values;
        let mut report = ChunkReport {
            step: self.step,
            total_steps: self.total_steps,
            epoch: self.batcher.epoch(),
            losses,
            finished: self.finished(),
            nan_paused: None,
            discriminator_accuracy,
        };
        if let Some(i) = report.losses.iter().position(|l| !l.is_finite()) {
            let bad = report.losses[i];
            (
                self.model,
                self.optim,
                self.batcher,
                self.aug_rng,
                self.step,
                self.batch_fingerprint,
            ) = snapshot;
            report.nan_paused = Some(format!(
                "the loss became {bad} at step {}; paused with the weights of step {} \
                 (try a lower learning rate or temperature)",
                self.step + i + 1,
                self.step
            ));
            report.step = self.step;
            report.epoch = self.batcher.epoch();
            report.finished = false;
            report.losses.truncate(i);
            report.discriminator_accuracy.truncate(i);
        }
        Ok(report)
    }
}

/// Training images that calibrate an integer network's activation scales.
pub const CALIBRATION_IMAGES: usize = 1000;

/// The race: a distilled student and its twin trained on hard labels only.
///
/// Both come from the same `config`, so they share the architecture, the initial weights
/// (seeded [`Net::init_host`]), the batch order ([`Batcher`] seeded by `config.seed`) and the
/// augmentation stream; they differ only in the loss (Hinton's versus plain cross-entropy).
/// Their [`Run::init_fingerprint`] and [`Run::batch_fingerprint`] show it.
pub fn race(
    config: TrainConfig,
    data: Arc<Dataset>,
    teachers: Vec<Arc<TeacherLogits>>,
    device: &Device,
) -> Result<(Run, Run)> {
    let distilled = Run::with_teachers(config.clone(), data.clone(), teachers, device)?;
    let baseline = Run::new(config, data, None, device)?;
    Ok((distilled, baseline))
}
