//! The teaching views' queries: temperature explorer, dark-knowledge matrix, why τ², the race
//! table, confusion matrices, integer students and export. Each is a thin call into the core.

use burn::tensor::{Tensor, TensorData};
use serde_json::json;
use wasm_bindgen::prelude::*;

use super::{js_err, to_js, Lab};
use crate::analysis::{
    add_bias, choose_bias, class_recall, compare, confusion, gallery, log_spaced, similarity,
    soft_gradient_norms, view_student,
};
use crate::data::{held_out_from, mnist_like, PIXELS};
use crate::model::{save_weights, Net, QuantNet};
use crate::train::{evaluate_logits, predict, Run};

/// The fixed batch of the "why τ²" plot: the first training examples.
const GRADIENT_BATCH: usize = 256;

fn bytes(v: &[u8]) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(v)
}

#[wasm_bindgen]
impl Lab {
    /// The dark-knowledge matrix of the teacher on the test set at `tau`, with `k` example
    /// indices per cell: `{tau, matrix, counts, pairs, examples}`.
    pub fn similarity(&self, tau: f32, k: usize) -> Result<JsValue, JsError> {
        let (data, teacher) = self.loaded()?;
        let s = similarity(&teacher.test, &data.test.labels, tau, k.min(8)).map_err(js_err)?;
        to_js(&s)
    }

    /// Test examples worth a look: `{confident, ambiguous, perClass}` (indices).
    pub fn gallery(&self, k: usize) -> Result<JsValue, JsError> {
        let (data, teacher) = self.loaded()?;
        to_js(&gallery(&teacher.test, &data.test.labels, k.min(64)))
    }

    /// The test images `indices`: `{pixels: Uint8Array (n·784), labels}`.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: Vec<u32>) -> Result<JsValue, JsError> {
        let (data, _) = self.loaded()?;
        let n = data.test.len();
        let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in &indices {
            let i = i as usize;
            if i >= n {
                return Err(JsError::new(&format!("test image {i}: there are only {n}")));
            }
            pixels.extend_from_slice(&data.test.images[i * PIXELS..(i + 1) * PIXELS]);
            labels.push(data.test.labels[i]);
        }
        let out = to_js(&json!({ "labels": labels }))?;
        set(&out, "pixels", &bytes(&pixels))?;
        Ok(out)
    }

    /// The teacher's and the students' logits for test image `index`:
    /// `{image, label, teacher, distilled?, baseline?}`.
    #[wasm_bindgen(js_name = inspectTest)]
    pub async fn inspect_test(&self, index: usize) -> Result<JsValue, JsError> {
        let (data, teacher) = self.loaded()?;
        if index >= data.test.len() {
            return Err(JsError::new(&format!(
                "test image {index}: there are only {}",
                data.test.len()
            )));
        }
        let image = data.test.images[index * PIXELS..(index + 1) * PIXELS].to_vec();
        let k = teacher.classes;
        let logits = teacher.test[index * k..(index + 1) * k].to_vec();
        self.inspect(image, Some(data.test.labels[index]), logits)
            .await
    }

    /// Preprocesses a drawing (`width × height` grey levels, ink bright) like MNIST and returns
    /// what [`Lab::inspect_test`] returns, with the teacher network's own logits.
    #[wasm_bindgen(js_name = inspectDrawing)]
    pub async fn inspect_drawing(
        &self,
        gray: &[u8],
        width: usize,
        height: usize,
    ) -> Result<JsValue, JsError> {
        let net = self
            .teacher_net
            .as_ref()
            .ok_or_else(|| JsError::new("the teacher's weights are not loaded"))?;
        let image = mnist_like(gray, width, height).map_err(js_err)?;
        let device = self.views_device();
        let logits = predict(net, &image, &device).await.map_err(js_err)?;
        self.inspect(image, None, logits).await
    }

    /// `‖∇θ KL‖` with and without τ² on a fixed batch, for `n` temperatures from 0.5 to 20:
    /// `{points: [{tau, plain, scaled}], source, step, spec, batch}`. Uses the distilled student's current weights,
    /// or a fresh student of width `hidden` and `seed` when there is none.
    #[wasm_bindgen(js_name = gradientVsTau)]
    pub async fn gradient_vs_tau(
        &self,
        n: usize,
        hidden: Vec<usize>,
        seed: u64,
    ) -> Result<JsValue, JsError> {
        let (data, teacher) = self.loaded()?;
        let device = self.views_device().autodiff();
        // `source` in English for the console; `step` / `spec` for the page's own wording.
        let (model, source, step, spec) = match &self.distilled {
            Some(run) => {
                let host = run.model().to_host().await.map_err(js_err)?;
                let net = Net::from_host(run.spec(), host, &device).map_err(js_err)?;
                let step = run.step();
                let source = format!("the distilled student at step {step}");
                (net, source, Some(step), run.spec().to_string())
            }
            None => {
                let spec = view_student(&hidden, data.classes()).map_err(js_err)?;
                let source = format!("a fresh {spec} student");
                (
                    Net::init(&spec, data.classes(), seed, &device),
                    source,
                    None,
                    spec.to_string(),
                )
            }
        };
        let b = GRADIENT_BATCH.min(data.train.len());
        let idx: Vec<usize> = (0..b).collect();
        let x = Tensor::<2>::from_data(
            TensorData::new(data.train.inputs(&idx), [b, PIXELS]),
            &device,
        );
        let t = Tensor::<2>::from_data(
            TensorData::new(teacher.train_rows(&idx), [b, teacher.classes]),
            &device,
        );
        let taus = log_spaced(0.5, 20.0, n.clamp(2, 64));
        let points = soft_gradient_norms(&model, x, t, &taus)
            .await
            .map_err(js_err)?;
        to_js(&json!({
            "points": points, "source": source, "step": step, "spec": spec, "batch": b,
        }))
    }

    /// The final table row of the student `which`: accuracy, errors, agreement with the
    /// teacher, mean KL(teacher ‖ student), ECE, confusion matrix, predictions, and the
    /// fingerprints of its initial weights and batches.
    pub async fn report(&self, which: &str) -> Result<JsValue, JsError> {
        let run = self.run(which)?;
        let (data, teacher) = self.loaded()?;
        let logits = run
            .predict_images(&data.test.images)
            .await
            .map_err(js_err)?;
        let report = compare(&logits, &teacher.test, &data.test.labels);
        to_js(&json!({
            "which": which, "step": run.step(), "spec": run.spec().to_string(),
            "params": run.spec().num_params(run.classes()), "report": report,
            "initFingerprint": run.init_fingerprint().hex(),
            "batchFingerprint": run.batch_fingerprint().hex(),
        }))
    }

    /// The bias correction after a run on a transfer set without some classes (Hinton et al.
    /// 2015, §3): the missing classes' bias that maximises accuracy on the held-out training
    /// images (from [`held_out_from`] on, never trained on), and the test set before and after:
    /// `{classes, bias, heldOut, heldOutAccuracy, heldOutAccuracyBefore, before: {testErrors,
    /// missingRight, confusion}, after: {…}}`; null when the run used every class.
    #[wasm_bindgen(js_name = biasCorrection)]
    pub async fn bias_correction(&self, which: &str) -> Result<JsValue, JsError> {
        if self.missing.is_empty() {
            return Ok(JsValue::NULL);
        }
        let run = self.run(which)?;
        let (data, _) = self.loaded()?;
        let from = held_out_from(data.train.len());
        let held_images = &data.train.images[from * PIXELS..];
        let held = run.predict_images(held_images).await.map_err(js_err)?;
        let grid: Vec<f32> = (0..=150).map(|i| i as f32 * 0.1).collect();
        let labels = &data.train.labels[from..];
        let choice = choose_bias(&held, labels, &self.missing, &grid);
        let test = run
            .predict_images(&data.test.images)
            .await
            .map_err(js_err)?;
        let fixed = add_bias(&test, data.classes(), &self.missing, choice.bias);
        let side = |logits: &[f32]| {
            let labels = &data.test.labels;
            json!({
                "testErrors": evaluate_logits(0, logits, labels).test_errors,
                "missingRight": class_recall(logits, labels, &self.missing),
                "confusion": confusion(logits, labels),
            })
        };
        to_js(&json!({
            "classes": self.missing, "bias": choice.bias, "heldOut": choice.held_out,
            "heldOutAccuracy": choice.held_out_accuracy,
            "heldOutAccuracyBefore": choice.held_out_accuracy_before,
            "before": side(&test), "after": side(&fixed),
        }))
    }

    /// The teacher's own row of the table (from its stored logits).
    #[wasm_bindgen(js_name = teacherReport)]
    pub fn teacher_report(&self) -> Result<JsValue, JsError> {
        let (data, teacher) = self.loaded()?;
        to_js(&compare(&teacher.test, &teacher.test, &data.test.labels))
    }

    /// The weights of the student `which` as a safetensors file PyTorch loads.
    #[wasm_bindgen(js_name = exportWeights)]
    pub async fn export_weights(&self, which: &str) -> Result<js_sys::Uint8Array, JsError> {
        self.loaded()?;
        let file = weights_file(self.run(which)?, &format!("{which} student")).await?;
        Ok(bytes(&file))
    }

    /// The student `which` as an integer network of `bits` bits (the end of a quantization-aware
    /// run, else post-training quantization), on the test set:
    /// `{bits, quantizationAware, testAccuracy, testErrors, bytes, floatBytes}`.
    pub async fn quantize(&self, which: &str, bits: u32) -> Result<JsValue, JsError> {
        let (run, q) = self.integer(which, bits).await?;
        let test = &run.data().test;
        let eval = evaluate_logits(run.step(), &q.logits(&test.images), &test.labels);
        let file = q.to_bytes(&[]).map_err(js_err)?;
        let float = save_weights(run.model(), run.spec(), &[])
            .await
            .map_err(js_err)?;
        to_js(&json!({
            "bits": bits, "quantizationAware": run.fake_quant_bits().is_some(),
            "testAccuracy": eval.test_accuracy, "testErrors": eval.test_errors,
            "bytes": file.len(), "floatBytes": float.len(),
        }))
    }

    /// The integer network of [`Lab::quantize`] as a safetensors file.
    #[wasm_bindgen(js_name = exportInt8)]
    pub async fn export_int8(&self, which: &str, bits: u32) -> Result<js_sys::Uint8Array, JsError> {
        let (run, q) = self.integer(which, bits).await?;
        let extra = [
            ("dataset", run.dataset_name().to_string()),
            ("role", format!("{which} student")),
        ];
        Ok(bytes(&q.to_bytes(&extra).map_err(js_err)?))
    }
}

impl Lab {
    async fn integer(&self, which: &str, bits: u32) -> Result<(&Run, QuantNet), JsError> {
        let run = self.run(which)?;
        Ok((run, run.quantize(bits).await.map_err(js_err)?))
    }

    async fn inspect(
        &self,
        image: Vec<u8>,
        label: Option<u8>,
        teacher: Vec<f32>,
    ) -> Result<JsValue, JsError> {
        let mut students = serde_json::Map::new();
        for (name, run) in [("distilled", &self.distilled), ("baseline", &self.baseline)] {
            if let Some(run) = run {
                let logits = run.predict_images(&image).await.map_err(js_err)?;
                students.insert(name.into(), json!(logits));
            }
        }
        let out = to_js(&json!({ "label": label, "teacher": teacher, "students": students }))?;
        set(&out, "image", &bytes(&image))?;
        Ok(out)
    }
}

fn set(obj: &JsValue, key: &str, value: &JsValue) -> Result<(), JsError> {
    js_sys::Reflect::set(obj, &key.into(), value)
        .map(|_| ())
        .map_err(|_| JsError::new("could not build the answer"))
}

/// The weights of `run` as the lab's weight file (PyTorch loads it), with its dataset, `role`,
/// step and settings in the metadata.
pub(super) async fn weights_file(run: &Run, role: &str) -> Result<Vec<u8>, JsError> {
    let extra = [
        ("dataset", run.data().name.clone()),
        ("role", role.to_string()),
        ("step", run.step().to_string()),
        (
            "config",
            serde_json::to_string(run.config()).unwrap_or_default(),
        ),
    ];
    save_weights(run.model(), run.spec(), &extra)
        .await
        .map_err(js_err)
}
