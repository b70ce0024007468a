//! The benchmark page's handle on the lab's KD step ([`crate::train::bench_run`]): the same
//! synthetic workload the native `distill-lab bench` times, run on the page's CPU or WebGPU
//! device. The page keeps the clock.

use std::cell::RefCell;

use burn::tensor::Device;
use wasm_bindgen::prelude::*;

use super::js_err;
#[cfg(feature = "cpu")]
use crate::backend::cpu_device;
use crate::backend::webgpu_device;
use crate::train::{bench_run, Run, Workload};

thread_local! {
    /// The WebGPU device, initialised once per page.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

async fn device(backend: &str) -> Result<Device, JsError> {
    match backend {
        #[cfg(feature = "cpu")]
        "cpu" => Ok(cpu_device()),
        #[cfg(not(feature = "cpu"))]
        "cpu" => Err(JsError::new(
            "this is the WebGPU-only build: the CPU benchmark runs in pkg-cpu/",
        )),
        "webgpu" => {
            if let Some(d) = WEBGPU.with(|w| w.borrow().clone()) {
                return Ok(d);
            }
            let d = webgpu_device().await.map_err(js_err)?;
            WEBGPU.with(|w| *w.borrow_mut() = Some(d.clone()));
            Ok(d)
        }
        other => Err(JsError::new(&format!(
            "unknown backend '{other}': expected 'cpu' or 'webgpu'"
        ))),
    }
}

/// One benchmark workload on one device.
#[wasm_bindgen]
pub struct StepBench {
    run: Run,
}

#[wasm_bindgen]
impl StepBench {
    /// A run of `student` (e.g. `mlp:128`) at `batch` examples per step on `backend`
    /// (`cpu` or `webgpu`); throws if WebGPU is missing or the settings are out of range.
    pub async fn create(backend: &str, student: &str, batch: usize) -> Result<StepBench, JsError> {
        let device = device(backend).await?;
        let workload = Workload {
            name: String::new(),
            student: student.into(),
            batch,
        };
        let run = bench_run(&workload, &device, 1).map_err(js_err)?;
        Ok(StepBench { run })
    }

    /// Which kernel runs the dense layers' products on WebGPU, and why (`crate::kernels`).
    #[wasm_bindgen(js_name = matmulKernel)]
    pub fn matmul_kernel() -> String {
        crate::kernels::describe()
    }

    /// Trains `n` steps and reads their losses back once; returns the last loss.
    pub async fn steps(&mut self, n: usize) -> Result<f32, JsError> {
        let report = self.run.train_steps(n).await.map_err(js_err)?;
        Ok(report.losses.last().copied().unwrap_or(f32::NAN))
    }
}
