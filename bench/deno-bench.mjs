// The lab's wasm KD step through Deno's WebGPU (a GPU machine has no browser): the same StepBench and clock as the
// benchmark page. Run by bench/device.sh:
//
//   deno run -A --unstable-webgpu bench/deno-bench.mjs [--quick] [--backend webgpu|cpu] [--out FILE]
import { timeSteps, warmUp, workloads } from '../www/bench/timing.js';

const args = Deno.args;
const quick = args.includes('--quick');
const backend = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'webgpu';
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : null;
const seconds = quick ? 1.5 : 4;

// The WebGPU build (pkg/) has no CPU backend; the CPU build is pkg-cpu/, as in the page.
const dir = backend === 'cpu' ? '../pkg-cpu/' : '../pkg/';
const { default: init, StepBench } = await import(new URL(`${dir}distill_lab.js`, import.meta.url).href);
await init({ module_or_path: await Deno.readFile(new URL(`${dir}distill_lab_bg.wasm`, import.meta.url)) });
const adapter = backend === 'webgpu' ? await navigator.gpu?.requestAdapter() : null;
const rows = [];
for (const w of workloads(quick)) {
  let row;
  try {
    const bench = await StepBench.create(backend, w.student, w.batch);
    const { firstSeconds, oneStepSeconds } = await warmUp(bench);
    row = { firstSeconds, ...(await timeSteps(bench, seconds, oneStepSeconds)) };
    bench.free();
  } catch (e) {
    row = { error: String(e?.message ?? e) };
  }
  rows.push({ backend: `wasm-${backend}-deno`, workload: w.name, student: w.student, batch: w.batch, ...row });
  console.log(`wasm-${backend}-deno ${w.name.padEnd(22)} ${row.stepsPerSecond?.toFixed(1) ?? row.error} steps/s`);
}
// GPUAdapterInfo's fields are getters, which JSON.stringify does not see.
const { vendor, architecture, device, description } = adapter?.info ?? {};
const info = adapter ? { vendor, architecture, device, description } : null;
const doc = { bench: `deno-${backend}`, deno: Deno.version.deno, adapter: info, rows };
if (out) {
  await Deno.writeTextFile(out, JSON.stringify(doc, null, 2) + '\n');
  console.log(`wrote ${out}`);
}
