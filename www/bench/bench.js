// The benchmark page's runner: one cell = one implementation (the lab's wasm or TF.js), one backend, one workload,
// timed here with performance.now(). The driver (tools/bench.mjs) calls `window.benchCell` for each cell in turn.

import { createTfjsBench } from './tfjs-step.js';
import { installGpuCounter, perStep, snapshot } from './gpu-counter.js';
import { CHUNK, timeSteps, warmUp } from './timing.js';

const TFJS_BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'];

/** Our two builds, as the lab's worker picks them: WebGPU in pkg/, the CPU in pkg-cpu/. Each loads on first use. */
const BUILDS = { webgpu: '../../pkg/distill_lab.js', cpu: '../../pkg-cpu/distill_lab.js' };
const builds = {};

async function ours(backend) {
  if (!BUILDS[backend]) throw new Error(`unknown backend ${backend}: expected cpu or webgpu`);
  builds[backend] ??= import(BUILDS[backend]).then(async (m) => {
    await m.default();
    return m.StepBench;
  });
  return builds[backend];
}

/** Warms up, then times `bench` for `seconds`; with `count`, counts the WebGPU calls of one chunk instead. */
async function time(bench, seconds, count) {
  const { firstSeconds, oneStepSeconds } = await warmUp(bench);
  if (count) {
    const before = snapshot();
    await bench.steps(CHUNK);
    return { firstSeconds, calls: perStep(before, snapshot(), CHUNK) };
  }
  return { firstSeconds, ...(await timeSteps(bench, seconds, oneStepSeconds)) };
}

async function tfjs(backend) {
  const tf = globalThis.tf;
  if (!tf) throw new Error('TF.js did not load');
  if (!TFJS_BACKENDS.includes(backend)) throw new Error(`unknown TF.js backend ${backend}`);
  if (backend === 'wasm') tf.wasm.setWasmPaths('/vendor/tfjs/tfjs-backend-wasm/dist/');
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} did not initialise`);
  await tf.ready();
  return tf;
}

/**
 * One cell: `{impl: 'ours' | 'tfjs', backend, student, batch, seconds, count}`.
 * Returns the measurement, or `{error}` naming what failed.
 */
async function benchCell(cell) {
  try {
    if (cell.count && !installGpuCounter()) throw new Error('no WebGPU in this browser');
    if (cell.impl === 'ours') {
      const StepBench = await ours(cell.backend);
      const bench = await StepBench.create(cell.backend, cell.student, cell.batch);
      try {
        const r = await time(bench, cell.seconds, cell.count);
        return cell.backend === 'webgpu' ? { ...r, matmul: StepBench.matmulKernel() } : r;
      } finally {
        bench.free();
      }
    }
    const tf = await tfjs(cell.backend);
    const bench = createTfjsBench(tf, cell.student, cell.batch);
    try {
      return await time(bench, cell.seconds, cell.count);
    } finally {
      bench.dispose();
    }
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

globalThis.benchCell = benchCell;
globalThis.benchEnv = () => ({
  userAgent: navigator.userAgent,
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  webgpu: typeof navigator.gpu !== 'undefined',
  hardwareConcurrency: navigator.hardwareConcurrency,
});
document.getElementById('status').textContent = 'ready';
