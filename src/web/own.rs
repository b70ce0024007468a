//! Your own data and your own teacher in the page: datasets from the visitor's files, a teacher's
//! weight file checked against the dataset and its soft labels computed chunk by chunk (so the
//! worker can report progress), and a teacher trained in the tab.

use std::collections::HashMap;
use std::sync::Arc;

use wasm_bindgen::prelude::*;

use super::{js_err, to_js, Lab};
use crate::data::{mnist_like, Dataset, Split, PIXELS};
use crate::model::{load_weights, ModelSpec, Net, TeacherLogits, MAX_FILE_BYTES};
use crate::train::{predict, Run, TrainConfig};

/// A teacher being checked in: its network and file, and its logits on every image (training
/// images first, then test images), filled chunk by chunk, here or by the page's helper workers.
pub(super) struct PendingTeacher {
    file: String,
    spec: ModelSpec,
    net: Net,
    bytes: Vec<u8>,
    logits: Vec<f32>,
    filled: Vec<bool>,
    done: usize,
}

impl PendingTeacher {
    /// Stores the logits of images `start..` (`[n, classes]` row-major).
    fn put(&mut self, start: usize, logits: &[f32]) -> Result<(), JsError> {
        let k = self.net.classes();
        let n = logits.len() / k;
        let end = start + n;
        if n * k != logits.len() || end > self.filled.len() {
            return Err(JsError::new(&format!(
                "{}: {} logits for images {start}.. of {} with {k} classes",
                self.file,
                logits.len(),
                self.filled.len()
            )));
        }
        if let Some(i) = logits.iter().position(|v| !v.is_finite()) {
            return Err(JsError::new(&format!(
                "{}: the teacher's logit {} on image {} is not finite",
                self.file,
                i % k,
                start + i / k
            )));
        }
        self.logits[start * k..end * k].copy_from_slice(logits);
        for f in &mut self.filled[start..end] {
            self.done += usize::from(!*f);
            *f = true;
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl Lab {
    /// Your own dataset from four IDX files (raw or gzip; `names`: their four file names, for
    /// messages) and, optionally, the text of `classes.txt`: as [`Lab::load_dataset`], with the
    /// class count the largest label + 1. Throws naming the bad file.
    #[wasm_bindgen(js_name = loadOwnIdx)]
    #[allow(clippy::too_many_arguments)]
    pub fn load_own_idx(
        &mut self,
        name: &str,
        names: JsValue,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
        class_names: Option<Vec<u8>>,
    ) -> Result<JsValue, JsError> {
        let names: Vec<String> = serde_wasm_bindgen::from_value(names)
            .map_err(|e| JsError::new(&format!("file names: {e}")))?;
        let [a, b, c, d] = <[String; 4]>::try_from(names)
            .map_err(|_| JsError::new("file names: expected four IDX files"))?;
        let files = [
            (a.as_str(), train_images),
            (b.as_str(), train_labels),
            (c.as_str(), test_images),
            (d.as_str(), test_labels),
        ];
        let class_names = class_names.as_deref().map(|t| ("classes.txt", t));
        let data = Dataset::own_from_idx(name, files, class_names).map_err(js_err)?;
        self.set_data(data)
    }

    /// Your own dataset from 28×28 images the page decoded (`n · 784` grey levels per split) and
    /// their labels, with `classNames` (their count is the class count); `source` names the
    /// archive in messages.
    #[wasm_bindgen(js_name = loadOwnPixels)]
    #[allow(clippy::too_many_arguments)]
    pub fn load_own_pixels(
        &mut self,
        name: &str,
        source: &str,
        class_names: JsValue,
        train_pixels: Vec<u8>,
        train_labels: Vec<u8>,
        test_pixels: Vec<u8>,
        test_labels: Vec<u8>,
    ) -> Result<JsValue, JsError> {
        let class_names: Vec<String> = serde_wasm_bindgen::from_value(class_names)
            .map_err(|e| JsError::new(&format!("{source}: class names: {e}")))?;
        let train = Split {
            images: train_pixels,
            labels: train_labels,
        };
        let test = Split {
            images: test_pixels,
            labels: test_labels,
        };
        let data =
            Dataset::own_from_pixels(name, source, class_names, train, test).map_err(js_err)?;
        self.set_data(data)
    }

    /// The draw pad's preprocessing: an MNIST-like 28×28 image (784 grey levels) from a
    /// `width × height` grey image with bright ink on black.
    #[wasm_bindgen(js_name = mnistLike)]
    pub fn mnist_like(gray: &[u8], width: usize, height: usize) -> Result<Vec<u8>, JsError> {
        mnist_like(gray, width, height).map_err(js_err)
    }

    /// Checks a teacher's weight file (`file`: its name, for messages) against the loaded
    /// dataset — the format, the architecture, every tensor's shape, finite values, its classes —
    /// and gets ready to compute its logits: `{spec, params, classes, train, total}` (`total`:
    /// images to pass, the `train` training images first, then the test images), here
    /// ([`Lab::own_teacher_chunk`]) or in helper workers ([`Lab::own_teacher_put`]). The lab's
    /// teacher stays until [`Lab::own_teacher_finish`].
    #[wasm_bindgen(js_name = ownTeacherBegin)]
    pub fn own_teacher_begin(&mut self, file: &str, bytes: Vec<u8>) -> Result<JsValue, JsError> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(JsError::new(&format!(
                "{file}: {} MB, larger than any network the lab trains ({} MB)",
                bytes.len() >> 20,
                MAX_FILE_BYTES >> 20
            )));
        }
        let (spec, net, _) =
            load_weights(file, &bytes, None, &self.views_device()).map_err(js_err)?;
        let (have, want) = (net.classes(), data.classes());
        if have != want {
            return Err(JsError::new(&format!(
                "{file}: a teacher of {have} classes, and the dataset '{}' has {want}",
                data.name
            )));
        }
        let total = data.train.len() + data.test.len();
        let info = serde_json::json!({
            "spec": spec.to_string(), "params": spec.num_params(have), "classes": have,
            "train": data.train.len(), "total": total,
        });
        self.pending = Some(PendingTeacher {
            file: file.to_string(),
            spec,
            net,
            bytes,
            logits: vec![0.0; total * have],
            filled: vec![false; total],
            done: 0,
        });
        to_js(&info)
    }

    /// The grey levels of images `start..end` (training images, then test images), for a helper
    /// worker to compute the pending teacher's logits on ([`Predictor`]).
    #[wasm_bindgen(js_name = ownTeacherImages)]
    pub fn own_teacher_images(&self, start: usize, end: usize) -> Result<Vec<u8>, JsError> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        images(data, start, end).map(<[u8]>::to_vec)
    }

    /// Stores the pending teacher's logits on images `start..` computed elsewhere: `{done, total}`.
    #[wasm_bindgen(js_name = ownTeacherPut)]
    pub fn own_teacher_put(&mut self, start: usize, logits: Vec<f32>) -> Result<JsValue, JsError> {
        let pending = self
            .pending
            .as_mut()
            .ok_or_else(|| JsError::new("no teacher is being loaded"))?;
        pending.put(start, &logits)?;
        to_js(&serde_json::json!({"done": pending.done, "total": pending.filled.len()}))
    }

    /// Computes the pending teacher's logits on images `start..end` here: `{done, total}`.
    #[wasm_bindgen(js_name = ownTeacherChunk)]
    pub async fn own_teacher_chunk(
        &mut self,
        start: usize,
        end: usize,
    ) -> Result<JsValue, JsError> {
        let data = self
            .data
            .clone()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        let device = self.views_device();
        let pending = self
            .pending
            .as_mut()
            .ok_or_else(|| JsError::new("no teacher is being loaded"))?;
        let logits = predict(&pending.net, images(&data, start, end)?, &device)
            .await
            .map_err(js_err)?;
        pending.put(start, &logits)?;
        to_js(&serde_json::json!({"done": pending.done, "total": pending.filled.len()}))
    }

    /// Makes the pending teacher the lab's, once all its logits are computed: its soft labels
    /// feed every method and view from now on. `{testAccuracy, testErrors, spec, params, file}`.
    #[wasm_bindgen(js_name = ownTeacherFinish)]
    pub fn own_teacher_finish(&mut self) -> Result<JsValue, JsError> {
        let data = self
            .data
            .clone()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        let total = data.train.len() + data.test.len();
        match &self.pending {
            Some(p) if p.done == total => {}
            Some(p) => {
                return Err(JsError::new(&format!(
                    "{}: logits computed on {} of {total} images",
                    p.file, p.done
                )))
            }
            None => return Err(JsError::new("no teacher is being loaded")),
        }
        let p = self.pending.take().expect("checked above");
        let classes = data.classes();
        let mut logits = p.logits;
        let test = logits.split_off(data.train.len() * classes);
        let meta = HashMap::from([
            ("dataset".to_string(), data.name.clone()),
            ("teacher".to_string(), p.spec.to_string()),
        ]);
        let teacher = TeacherLogits {
            train: logits,
            test,
            classes,
            meta,
        };
        let (acc, errors) = teacher.test_accuracy(&data.test.labels);
        self.teacher = Some(Arc::new(teacher));
        self.second = None;
        self.teacher_net = Some(p.net);
        self.teacher_bytes = p.bytes;
        self.clear_runs();
        to_js(&serde_json::json!({
            "testAccuracy": acc, "testErrors": errors, "spec": p.spec.to_string(),
            "params": p.spec.num_params(classes), "file": p.file,
        }))
    }

    /// Starts training a teacher `arch` (e.g. `cnn:8,16,64`) on the loaded dataset's hard labels
    /// for `epochs` epochs (on the first `limit` training images; 0 = all), as the `distilled`
    /// run: train it with `trainSteps`, then take it with [`Lab::teacher_from_run`]. Returns its
    /// number of steps.
    #[wasm_bindgen(js_name = startTeacher)]
    pub fn start_teacher(
        &mut self,
        arch: &str,
        epochs: usize,
        seed: u64,
        limit: usize,
    ) -> Result<usize, JsError> {
        let data = self
            .data
            .clone()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        let config = TrainConfig {
            seed,
            train_limit: limit,
            ..TrainConfig::teacher(arch, epochs)
        };
        self.clear_runs();
        let run = Run::new(config, data, None, &self.device).map_err(js_err)?;
        let steps = run.total_steps();
        self.distilled = Some(run);
        Ok(steps)
    }

    /// The teacher trained by [`Lab::start_teacher`] as a weight file (the lab's safetensors, as
    /// `train-teacher` writes), for [`Lab::own_teacher_begin`] and for the visitor to keep.
    #[wasm_bindgen(js_name = teacherFromRun)]
    pub async fn teacher_from_run(&mut self) -> Result<js_sys::Uint8Array, JsError> {
        let file = super::views::weights_file(self.run("distilled")?, "teacher").await?;
        self.clear_runs();
        Ok(js_sys::Uint8Array::from(file.as_slice()))
    }
}

/// Images `start..end` of `data`, counting the training images first, then the test images; a
/// range may not straddle the two.
fn images(data: &Dataset, start: usize, end: usize) -> Result<&[u8], JsError> {
    let (train, total) = (data.train.len(), data.train.len() + data.test.len());
    let (split, from, to) = match (start < train, end <= train) {
        (true, true) => (&data.train, start, end),
        (false, _) => (&data.test, start - train, end.saturating_sub(train)),
        (true, false) => {
            return Err(JsError::new(&format!(
                "images {start}..{end} straddle the training and test images (at {train})"
            )))
        }
    };
    if from >= to || end > total {
        return Err(JsError::new(&format!("images {start}..{end} of {total}")));
    }
    Ok(&split.images[from * PIXELS..to * PIXELS])
}

/// A teacher network alone, for the page's helper workers that compute a teacher's logits on a
/// share of the images beside the lab's worker (CPU build only).
#[cfg(feature = "cpu")]
#[wasm_bindgen]
pub struct Predictor {
    net: Net,
}

#[cfg(feature = "cpu")]
#[wasm_bindgen]
impl Predictor {
    /// Loads a teacher's weight file (the lab's checks: format, architecture, shapes, finite values).
    #[wasm_bindgen(constructor)]
    pub fn new(file: &str, bytes: &[u8]) -> Result<Predictor, JsError> {
        let (_, net, _) =
            load_weights(file, bytes, None, &crate::backend::cpu_device()).map_err(js_err)?;
        Ok(Predictor { net })
    }

    /// Its logits on `images` (`n · 784` grey levels): `[n, classes]` row-major.
    pub async fn logits(&self, images: &[u8]) -> Result<js_sys::Float32Array, JsError> {
        let logits = predict(&self.net, images, &crate::backend::cpu_device())
            .await
            .map_err(js_err)?;
        Ok(js_sys::Float32Array::from(logits.as_slice()))
    }
}

impl Lab {
    /// Makes `data` the lab's dataset, dropping its teacher and runs: `{name, train, test,
    /// classNames, classes}`.
    pub(super) fn set_data(&mut self, data: Dataset) -> Result<JsValue, JsError> {
        let info = serde_json::json!({
            "name": data.name, "train": data.train.len(), "test": data.test.len(),
            "classNames": data.class_names, "classes": data.classes(),
        });
        self.data = Some(Arc::new(data));
        self.teacher = None;
        self.second = None;
        self.teacher_net = None;
        self.pending = None;
        self.clear_runs();
        to_js(&info)
    }
}
