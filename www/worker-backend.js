// The worker's start: which wasm build to run and why. The WebGPU build (pkg/) trains on the GPU once the device has
// passed the self-check; the CPU build (pkg-cpu/) otherwise, and by default ('auto'), being the faster path measured.

import { fetchBytes, progressReporter } from './fetch.js';
import { asset } from './assets.js';

const messageOf = (e) => (e && e.message ? e.message : String(e));

/**
 * Starts the wasm on the path `mode` asks for: 'cpu', 'webgpu' (the CPU when WebGPU is missing or fails), or 'auto',
 * the path measured faster. Every measurement so far has the CPU build ahead for the lab's students (22–100× on
 * SwiftShader at every workload of results/bench/browser.json; on an H100 the same wasm through Deno's WebGPU ran
 * ~7 steps/s at every size against ~400 on the CPU path), so 'auto' trains on the CPU and says so. Resolves to
 * {lab, backend: {backend, reason, why, detail}, catalogue}: `catalogue` is the methods' catalogue of the build that
 * runs (its `methodCatalogue()`). `post` reports the wasm download's progress. `cause`, with 'cpu':
 * why the page asks for the CPU ({why: 'gpuLost', detail}: the WebGPU build failed in this session, recovery.js).
 */
export async function startLab(mode, post, cause = null) {
  let lab = null;
  let backend = null;
  let wasm = null; // the module of the build that runs
  // `why` names the reason for the page's text catalogs (backend.why.*); `reason` is the same in English, with the
  // technical detail, for the console and the tests.
  let why = null;
  let detail = '';
  if (mode === 'cpu') {
    why = cause?.why ?? 'cpuRequested';
    detail = cause?.detail ?? '';
  } else if (!self.navigator.gpu) why = 'noWebgpu';
  else {
    try {
      const adapter = await self.navigator.gpu.requestAdapter();
      if (!adapter) why = 'noAdapter';
      else if (mode === 'auto') why = 'autoCpu';
    } catch (e) {
      why = 'adapterFailed';
      detail = messageOf(e);
    }
  }

  // The WebGPU build has no CPU backend. Without an adapter, or when that build fails to load or to start WebGPU,
  // the CPU build (a quarter of the download) does the same work.
  if (why === null) {
    try {
      ({ lab, wasm } = await createLab('pkg', true, post));
    } catch (e) {
      why = 'gpuFailed';
      detail = messageOf(e);
    }
  }
  // Before the GPU trains anything, one fixed step on it must match the CPU's numbers (shipped beside the page):
  // a shader that fails validation on wasm is skipped without an error and leaves zeros or stale data.
  if (why === null) {
    try {
      const reference = JSON.parse(new TextDecoder().decode(await fetchBytes('./models/self-check.json', () => {})));
      const worst = await lab.selfCheck(reference);
      detail = worst.toExponential(1);
      backend = { backend: lab.backend, reason: `${lab.backendReason}; self-check passed (${detail})`, why: 'gpu', detail };
    } catch (e) {
      why = 'selfCheckFailed';
      detail = messageOf(e);
      lab.free();
      lab = null;
    }
  }
  if (why !== null) {
    ({ lab, wasm } = await createLab('pkg-cpu', false, post));
    backend = { backend: lab.backend, reason: `${REASONS[why](detail)} – using the CPU (wasm)`, why, detail };
  }
  if (typeof wasm.methodCatalogue !== 'function') {
    throw new Error('the wasm module has no methodCatalogue(): it is older than this page (build it again: make wasm)');
  }
  return { lab, backend, catalogue: wasm.methodCatalogue() };
}

/** The English reasons (the page shows backend.why.* from its catalogs). */
const REASONS = {
  cpuRequested: () => 'CPU requested by backend=cpu in the link',
  gpuLost: (d) => `the WebGPU build failed in this session (${d})`,
  autoCpu: () => 'a WebGPU adapter is there, but the CPU path trained faster in every measurement (backend=webgpu to use it)',
  noWebgpu: () => 'no WebGPU in this browser (navigator.gpu missing)',
  noAdapter: () => 'no WebGPU adapter (requestAdapter() returned null)',
  adapterFailed: (d) => `WebGPU adapter request failed (${d})`,
  gpuFailed: (d) => d,
  selfCheckFailed: (d) => `WebGPU failed the self-check (${d})`,
};

/** Downloads, compiles and starts one of the two wasm builds (`pkg` or `pkg-cpu`); resolves to its Lab and module. */
async function createLab(dir, preferGpu, post) {
  let wasm;
  try {
    wasm = await import(asset(`./${dir}/distill_lab.js`)); // its content-hashed name in dist/ (assets.js)
  } catch (e) {
    throw new Error(`could not load the wasm module ${dir}/distill_lab.js (build it first: make wasm): ${messageOf(e)}`);
  }
  const report = progressReporter(post, 'wasm', 1);
  const bytes = await fetchBytes(new URL(`./${dir}/distill_lab_bg.wasm`, import.meta.url), report(0));
  post({ status: 'loading', what: 'wasm', loaded: bytes.length, total: bytes.length, phase: 'compile' });
  await wasm.default({ module_or_path: bytes });
  return { lab: await wasm.Lab.create(preferGpu), wasm };
}
