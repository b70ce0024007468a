//! Choosing where tensors live: the CPU (burn's ndarray backend) or a GPU through wgpu.

use burn::tensor::Device;

use crate::{err, Result};

/// Which compute backend a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// burn's Flex backend on the CPU (native or wasm).
    Cpu,
    /// burn-wgpu: Vulkan/Metal/DX natively, WebGPU in a browser.
    Wgpu,
}

impl BackendKind {
    /// Parses `cpu` or `wgpu` (also `gpu`, `webgpu`).
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "cpu" | "flex" => Ok(Self::Cpu),
            "wgpu" | "gpu" | "webgpu" => Ok(Self::Wgpu),
            other => Err(err!("unknown backend '{other}': expected 'cpu' or 'wgpu'")),
        }
    }
}

/// The CPU device: burn's Flex backend (pure Rust, im2col + gemm convolutions, SIMD; threads
/// natively, one thread in wasm). Native builds always have it; in the browser only the CPU build
/// (`pkg-cpu`, cargo feature `cpu`) does, to keep the WebGPU build small.
#[cfg(any(not(target_family = "wasm"), feature = "cpu"))]
pub fn cpu_device() -> Device {
    Device::flex()
}

/// burn's older ndarray CPU backend, kept for comparison in benchmarks.
#[cfg(not(target_family = "wasm"))]
#[allow(deprecated)] // ndarray is deprecated in favour of flex.
pub fn ndarray_device() -> Device {
    Device::ndarray()
}

/// The native wgpu device, initialised on first use (wgpu's runtime registers once per
/// process, so later calls return the same device); an error (no adapter, no driver) says why.
#[cfg(not(target_family = "wasm"))]
pub fn wgpu_device() -> Result<Device> {
    static DEVICE: std::sync::OnceLock<std::result::Result<Device, String>> =
        std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| {
            let (device, setup) = Device::wgpu_options()
                .init_with_setup()
                .map_err(|e| format!("no usable GPU through wgpu: {e}"))?;
            crate::kernels::set_adapter(&setup.adapter.get_info());
            Ok(device)
        })
        .clone()
        .map_err(|e| err!("{e}"))
}

/// Initialises the browser's WebGPU device; an error says why.
#[cfg(all(target_family = "wasm", feature = "webgpu"))]
pub async fn webgpu_device() -> Result<Device> {
    use burn::tensor::wgpu::WgpuBackend;
    let (device, setup) = Device::wgpu_options()
        .graphics_api(WgpuBackend::WebGpu)
        .init_with_setup_async()
        .await
        .map_err(|e| err!("WebGPU initialisation failed: {e}"))?;
    // cubecl watches the device (its lost callback poisons it: every later read fails with the
    // reason); the handle is kept for the browser tests' lost GPU (destroy_webgpu_device).
    crate::kernels::set_adapter(&setup.adapter.get_info());
    WEBGPU.with(|d| *d.borrow_mut() = Some(setup.device));
    Ok(device)
}

#[cfg(all(target_family = "wasm", feature = "webgpu"))]
thread_local! {
    static WEBGPU: std::cell::RefCell<Option<burn::tensor::wgpu::wgpu::Device>> =
        const { std::cell::RefCell::new(None) };
}

/// Destroys the WebGPU device, as a driver reset or a GPU that goes away would lose it (the
/// browser tests' lost GPU); false when there is none.
#[cfg(all(target_family = "wasm", feature = "webgpu"))]
pub fn destroy_webgpu_device() -> bool {
    WEBGPU.with(|d| d.borrow().as_ref().map(|d| d.destroy()).is_some())
}

/// The CPU-only browser build has no WebGPU device to destroy.
#[cfg(all(target_family = "wasm", not(feature = "webgpu")))]
pub fn destroy_webgpu_device() -> bool {
    false
}

/// The CPU-only browser build has no WebGPU backend.
#[cfg(all(target_family = "wasm", not(feature = "webgpu")))]
pub async fn webgpu_device() -> Result<Device> {
    Err(err!(
        "this build of the lab is CPU-only (no WebGPU backend)"
    ))
}

/// Runs a future to completion on native targets (our async calls never wait on I/O there).
#[cfg(not(target_family = "wasm"))]
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}
