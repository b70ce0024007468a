//! A racing student's checkpoint across the worker boundary ([`crate::train::Run::checkpoint`]):
//! the worker takes them while it trains on WebGPU and hands them to the page; when the GPU is
//! lost, the new worker (on the CPU build) starts the same run and resumes each student from its
//! bytes.

use wasm_bindgen::prelude::*;

use super::{js_err, Lab};

#[wasm_bindgen]
impl Lab {
    /// The student `which` (`"distilled"` or `"baseline"`) as bytes: its weights, optimizer
    /// state, batch order and step (a Uint8Array; read back from the device asynchronously).
    pub async fn checkpoint(&self, which: &str) -> Result<Vec<u8>, JsError> {
        self.run(which)?.checkpoint().await.map_err(js_err)
    }

    /// Resumes the student `which` of the run just started (`start` with the same settings)
    /// from `bytes`, its checkpoint; returns the step it goes on from. Throws naming why a
    /// checkpoint does not fit (other settings, data or build) or is damaged; the student is then
    /// left as `start` made it.
    pub fn resume(&mut self, which: &str, bytes: &[u8]) -> Result<usize, JsError> {
        let run = self.run_mut(which)?;
        run.resume(bytes).map_err(js_err)?;
        Ok(run.step())
    }
}
