//! What a checkpoint is checked against before [`Run::resume`] loads it: the settings, the data
//! and teachers it was made with (fingerprints), and the shapes and sizes it announces.

use super::bytes::{parameters, reread};
use super::{Header, FREE_SETTINGS, IMAGE_SAMPLE};
use crate::data::PIXELS;
use crate::rng::Fingerprint;
use crate::train::run::Run;
use crate::train::{Optimizer, StateTensor};
use crate::{err, Result};

impl Run {
    /// The settings as the checkpoint's header holds them: their JSON text read back (the `f32`
    /// settings as their shortest text, `0.97`, not widened to `0.9700000286102295`).
    pub(super) fn settings(&self) -> Result<serde_json::Value> {
        reread(&self.config).map_err(|e| err!("the run's settings: {e}"))
    }

    /// The fingerprint of the labels of the examples the run draws from.
    pub(super) fn labels_fingerprint(&self) -> u64 {
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
    pub(super) fn images_fingerprint(&self) -> u64 {
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
    pub(super) fn teacher_fingerprints(&self) -> Vec<u64> {
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
    pub(super) fn check(&self, h: &Header, body: usize) -> Result<()> {
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
