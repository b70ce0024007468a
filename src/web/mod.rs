//! The browser facade: the only module that touches wasm-bindgen. A thin async layer over the
//! core; it converts errors to JS exceptions and results to plain JS objects. Training lives
//! here; the teaching views' queries live in [`views`].

mod bench;
mod chains;
mod checkpoint;
mod config;
mod own;
mod views;

use std::sync::Arc;

use config::train_config;

use burn::tensor::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[cfg(feature = "cpu")]
use crate::backend::cpu_device;
use crate::backend::{webgpu_device, BackendKind};
use crate::data::{held_out_from, transfer_indices, ClassFilter, Dataset, DatasetKind};
use crate::model::{load_logits, load_weights, Net, TeacherLogits};
use crate::train::{layer_names, race, self_check, Chain, Run, SelfCheck, SELF_CHECK_TOLERANCE};

extern "C" {
    /// The static constructors (cubecl registers its IR types with `inventory` in them),
    /// synthesised by wasm-ld.
    fn __wasm_call_ctors();
}

#[wasm_bindgen(start)]
fn start() {
    // Run the constructors once, here. Without this explicit call wasm-ld wraps *every*
    // export in a call to them, and the WebGPU path, which crosses from JS into wasm many
    // times per step, spent most of its time re-running them (see `make bench`).
    // SAFETY: called once, at start-up, before any other Rust code runs.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
}

fn js_err(e: crate::Error) -> JsError {
    JsError::new(e.message())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The distillation methods as data ([`crate::method::catalogue`]): the page builds its method
/// menu, its per-method fields and its link keys from this.
#[wasm_bindgen(js_name = methodCatalogue)]
pub fn method_catalogue() -> Result<JsValue, JsError> {
    to_js(&crate::method::catalogue())
}

/// One lab per worker: a device, the loaded dataset and teacher, and the current runs: the
/// distilled student and, in a race, its hard-label twin.
#[wasm_bindgen]
pub struct Lab {
    device: Device,
    backend: BackendKind,
    reason: String,
    data: Option<Arc<Dataset>>,
    teacher: Option<Arc<TeacherLogits>>,
    /// A second teacher's logits (MNIST's MLP teacher), for the multi-teacher methods.
    second: Option<Arc<TeacherLogits>>,
    /// The teacher network itself (on the CPU), for inputs it has no stored logits for.
    teacher_net: Option<Net>,
    /// The teacher's weight file, to load it on the training device for feature-based methods.
    teacher_bytes: Vec<u8>,
    distilled: Option<Run>,
    baseline: Option<Run>,
    /// A chain of students teaching students (born-again, teacher assistant), apart from the race.
    chain: Option<Chain>,
    /// The classes the current run's transfer set leaves out (empty: all classes).
    missing: Vec<usize>,
    /// A teacher of the visitor's whose soft labels are being computed ([`own`]).
    pending: Option<own::PendingTeacher>,
}

#[wasm_bindgen]
impl Lab {
    /// Creates the lab. With `prefer_gpu`, initialises WebGPU once, falling back to the CPU
    /// (with the reason) if that fails. The WebGPU-only build (`pkg/`) has no CPU backend: there it
    /// throws the reason instead, and the page loads the CPU build (`pkg-cpu/`).
    pub async fn create(prefer_gpu: bool) -> Result<Lab, JsError> {
        let (device, backend, reason) = if prefer_gpu {
            match webgpu_device().await {
                Ok(d) => (
                    d,
                    BackendKind::Wgpu,
                    "WebGPU adapter found: training on the GPU".to_string(),
                ),
                Err(e) => on_cpu(e.to_string())?,
            }
        } else {
            on_cpu("WebGPU not used".to_string())?
        };
        Ok(Lab {
            device,
            backend,
            reason,
            data: None,
            teacher: None,
            second: None,
            teacher_net: None,
            teacher_bytes: Vec::new(),
            distilled: None,
            baseline: None,
            chain: None,
            missing: Vec::new(),
            pending: None,
        })
    }

    /// `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        match self.backend {
            BackendKind::Wgpu => "webgpu".into(),
            BackendKind::Cpu => "cpu".into(),
        }
    }

    /// Why this backend runs, in a sentence.
    #[wasm_bindgen(getter, js_name = backendReason)]
    pub fn backend_reason(&self) -> String {
        self.reason.clone()
    }

    /// Parses a dataset from its four IDX (gzip) files; throws naming the bad file.
    #[wasm_bindgen(js_name = loadDataset)]
    pub fn load_dataset(
        &mut self,
        name: &str,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<JsValue, JsError> {
        let kind = DatasetKind::parse(name).map_err(js_err)?;
        let data =
            Dataset::from_bytes(kind, [train_images, train_labels, test_images, test_labels])
                .map_err(js_err)?;
        self.set_data(data)
    }

    /// Loads the teacher's logits for the loaded dataset; returns its test accuracy.
    #[wasm_bindgen(js_name = loadTeacher)]
    pub fn load_teacher(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        let logits = load_logits("teacher logits", bytes).map_err(js_err)?;
        logits.check_matches(data).map_err(js_err)?;
        let (acc, errors) = logits.test_accuracy(&data.test.labels);
        self.teacher = Some(Arc::new(logits));
        self.pending = None;
        self.clear_runs();
        to_js(&serde_json::json!({"testAccuracy": acc, "testErrors": errors}))
    }

    /// Loads a second teacher's logits (for the multi-teacher methods); returns its accuracy.
    #[wasm_bindgen(js_name = loadSecondTeacher)]
    pub fn load_second_teacher(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let (data, _) = self.loaded()?;
        let logits = load_logits("second teacher logits", bytes).map_err(js_err)?;
        logits.check_matches(data).map_err(js_err)?;
        let (acc, errors) = logits.test_accuracy(&data.test.labels);
        let spec = logits.meta.get("teacher").cloned().unwrap_or_default();
        self.second = Some(Arc::new(logits));
        to_js(&serde_json::json!({"testAccuracy": acc, "testErrors": errors, "spec": spec}))
    }

    /// Loads the teacher's weights (safetensors) for inputs without stored logits, such as a
    /// drawn digit; returns `{spec, params}`.
    #[wasm_bindgen(js_name = loadTeacherModel)]
    pub fn load_teacher_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let (spec, net, _) =
            load_weights("teacher weights", bytes, None, &self.views_device()).map_err(js_err)?;
        let params = spec.num_params(net.classes());
        self.teacher_net = Some(net);
        self.teacher_bytes = bytes.to_vec();
        to_js(&serde_json::json!({"spec": spec.to_string(), "params": params}))
    }

    /// Starts a new run with the page's settings; throws naming an invalid field.
    pub fn start(&mut self, config: JsValue) -> Result<(), JsError> {
        let (config, race_twin, transfer) = train_config(config)?;
        let mut data = self
            .data
            .clone()
            .ok_or_else(|| JsError::new("load a dataset first"))?;
        let mut teacher = self
            .teacher
            .clone()
            .ok_or_else(|| JsError::new("load the teacher first"))?;
        self.clear_runs();
        // A transfer set without some classes: the first five sixths of the training images filtered;
        // the rest stay held out for the bias correction (views.rs, biasCorrection).
        self.missing = transfer.missing(data.classes());
        let kept = (transfer != ClassFilter::All)
            .then(|| transfer_indices(&data.train, 0..held_out_from(data.train.len()), &transfer));
        if let Some(idx) = &kept {
            data = Arc::new(data.with_train(idx));
            teacher = Arc::new(teacher.with_train(idx));
        }
        let mut teachers = vec![teacher];
        if config.method.needs().teachers > 1 {
            let second = self.second.clone().ok_or_else(|| {
                JsError::new(
                    "the multi-teacher methods need a second teacher, and none is loaded (only MNIST has one)",
                )
            })?;
            teachers.push(match &kept {
                Some(idx) => Arc::new(second.with_train(idx)),
                None => second,
            });
        }
        let features = config.method.needs().teacher_net;
        if race_twin {
            let (d, b) = race(config, data, teachers, &self.device).map_err(js_err)?;
            (self.distilled, self.baseline) = (Some(d), Some(b));
        } else {
            let run = Run::with_teachers(config, data, teachers, &self.device).map_err(js_err)?;
            self.distilled = Some(run);
        }
        if features {
            let run = self.distilled.as_mut().expect("just made");
            if let Err(e) = run.load_teacher_net("teacher weights", &self.teacher_bytes) {
                self.clear_runs();
                return Err(js_err(e));
            }
        }
        Ok(())
    }

    /// Trains up to `n` steps of the student `which` (`"distilled"` or `"baseline"`):
    /// `{step, totalSteps, epoch, losses: Float32Array, discriminator: Float32Array (adversarial
    /// distillation's discriminator accuracy per step, else empty), finished, nanPaused, message}`.
    #[wasm_bindgen(js_name = trainSteps)]
    pub async fn train_steps(&mut self, n: usize, which: &str) -> Result<JsValue, JsError> {
        let run = self.run_mut(which)?;
        let report = run.train_steps(n).await.map_err(js_err)?;
        let out = to_js(&serde_json::json!({
            "step": report.step, "totalSteps": report.total_steps, "epoch": report.epoch,
            "finished": report.finished, "nanPaused": report.nan_paused.is_some(),
            "message": report.nan_paused,
        }))?;
        for (key, values) in [
            ("losses", &report.losses),
            ("discriminator", &report.discriminator_accuracy),
        ] {
            let array = js_sys::Float32Array::from(values.as_slice());
            js_sys::Reflect::set(&out, &key.into(), &array)
                .map_err(|_| JsError::new("could not build the report"))?;
        }
        Ok(out)
    }

    /// Progressive distillation's layer mapping as the run uses it: `{pairs: [[t, s], …],
    /// teacher: [layer names], student: [layer names]}`, or null for the other methods.
    #[wasm_bindgen(js_name = layerMap)]
    pub fn layer_map(&self) -> Result<JsValue, JsError> {
        let run = self.run("distilled")?;
        let Some(teacher) = run.teacher_spec().filter(|_| !run.layer_map().is_empty()) else {
            return Ok(JsValue::NULL);
        };
        to_js(&serde_json::json!({
            "pairs": run.layer_map(),
            "teacher": layer_names(teacher),
            "student": layer_names(run.spec()),
        }))
    }

    /// Data-free distillation's generated images for a fixed noise: a Float32Array of
    /// `GRID_PER_CLASS · classes · 784` grey levels (rows of the classes), or null for the other
    /// methods.
    #[wasm_bindgen(js_name = generatedImages)]
    pub async fn generated_images(&self, which: &str) -> Result<JsValue, JsError> {
        let images = self.run(which)?.generated_images().await.map_err(js_err)?;
        Ok(match images {
            Some(v) => js_sys::Float32Array::from(v.as_slice()).into(),
            None => JsValue::NULL,
        })
    }

    /// Test-set metrics of the student `which`: `{step, testAccuracy, testErrors, testLoss}`.
    pub async fn evaluate(&self, which: &str) -> Result<JsValue, JsError> {
        to_js(&self.run(which)?.evaluate().await.map_err(js_err)?)
    }

    /// The browser tests' lost GPU: destroys the WebGPU device under the running lab (false on the
    /// CPU). The next call that reads from it fails, and the page restarts on the CPU build.
    #[wasm_bindgen(js_name = testLoseDevice)]
    pub fn test_lose_device(&self) -> bool {
        crate::backend::destroy_webgpu_device()
    }

    /// Runs the kernels' self-check step on the training device and compares it with
    /// `reference`, the CPU's numbers (`www/models/self-check.json`): the largest relative
    /// difference, or an error saying why the device cannot be trusted.
    #[wasm_bindgen(js_name = selfCheck)]
    pub async fn self_check(&self, reference: JsValue) -> Result<f32, JsError> {
        let reference: SelfCheck = serde_wasm_bindgen::from_value(reference)
            .map_err(|e| JsError::new(&format!("self-check reference: {e}")))?;
        let ours = self_check(&self.device).await.map_err(js_err)?;
        let worst = ours.difference(&reference).map_err(js_err)?;
        if worst > SELF_CHECK_TOLERANCE {
            return Err(JsError::new(&format!(
                "the GPU's self-check step differs from the CPU's by {worst:.1e} \
                 (more than {SELF_CHECK_TOLERANCE:.0e})"
            )));
        }
        Ok(worst)
    }
}

impl Lab {
    fn clear_runs(&mut self) {
        self.distilled = None;
        self.baseline = None;
    }

    fn run(&self, which: &str) -> Result<&Run, JsError> {
        match which {
            "distilled" => self.distilled.as_ref(),
            "baseline" => self.baseline.as_ref(),
            _ => None,
        }
        .ok_or_else(|| JsError::new(&format!("no {which} student: start a run first")))
    }

    fn run_mut(&mut self, which: &str) -> Result<&mut Run, JsError> {
        match which {
            "distilled" => self.distilled.as_mut(),
            "baseline" => self.baseline.as_mut(),
            _ => None,
        }
        .ok_or_else(|| JsError::new(&format!("no {which} student: start a run first")))
    }

    fn loaded(&self) -> Result<(&Arc<Dataset>, &Arc<TeacherLogits>), JsError> {
        match (&self.data, &self.teacher) {
            (Some(d), Some(t)) => Ok((d, t)),
            _ => Err(JsError::new("load a dataset and its teacher first")),
        }
    }

    /// Where the teacher's network and the views' one-off passes run: the CPU where the build has
    /// one (a few examples, and off the GPU that trains), else the training device.
    #[cfg(feature = "cpu")]
    fn views_device(&self) -> Device {
        cpu_device()
    }

    #[cfg(not(feature = "cpu"))]
    fn views_device(&self) -> Device {
        self.device.clone()
    }
}

/// Training on the CPU because of `why` (WebGPU missing, failed or not asked for).
#[cfg(feature = "cpu")]
fn on_cpu(why: String) -> Result<(Device, BackendKind, String), JsError> {
    let reason = format!("{why} – using the CPU (wasm)");
    Ok((cpu_device(), BackendKind::Cpu, reason))
}

/// The WebGPU-only build cannot train on the CPU: it throws `why`, and the page loads `pkg-cpu/`.
#[cfg(not(feature = "cpu"))]
fn on_cpu(why: String) -> Result<(Device, BackendKind, String), JsError> {
    Err(JsError::new(&why))
}
