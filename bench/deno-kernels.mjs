// Which GPU kernels one KD step of our wasm launches through Deno's WebGPU, and how big their grids are: the compute
// pipelines' labels (cubecl names them after the kernel and its vector widths), `@workgroup_size`, and every
// dispatch of the second step (the first one compiles). Kernel selection depends on the adapter's limits, so this
// tells whether a slow step is the kernels' choice or the adapter's speed. Run by bench/device.sh:
//
//   deno run -A --unstable-webgpu bench/deno-kernels.mjs [--student mlp:800,800] [--batch 256] [--out FILE]
import init, { StepBench } from '../pkg/distill_lab.js';

const args = Deno.args;
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const student = arg('--student', 'mlp:800,800');
const batch = Number(arg('--batch', '256'));
const out = arg('--out', null);

// Wrap the three WebGPU calls that say what runs: module creation (workgroup size), pipeline creation (label) and
// dispatch (grid). Nothing else changes.
const workgroup = new Map();
const labels = new WeakMap();
let current = null;
const dispatches = [];
const wrap = (proto, name, after) => {
  const original = proto[name];
  proto[name] = function (...a) {
    const result = original.apply(this, a);
    after(result, ...a);
    return result;
  };
};
wrap(GPUDevice.prototype, 'createShaderModule', (_, d) => {
  const size = /@workgroup_size\(([^)]*)\)/.exec(d.code)?.[1];
  if (d.label && size) workgroup.set(d.label, size.split(',').map((s) => Number(s.trim()) || 1));
});
wrap(GPUDevice.prototype, 'createComputePipeline', (pipeline, d) => labels.set(pipeline, d.label ?? '?'));
wrap(GPUComputePassEncoder.prototype, 'setPipeline', (_, p) => (current = labels.get(p) ?? '?'));
wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', (_, x, y = 1, z = 1) => dispatches.push([current, x, y, z]));

await init({ module_or_path: await Deno.readFile(new URL('../pkg/distill_lab_bg.wasm', import.meta.url)) });
const adapter = await navigator.gpu?.requestAdapter();
if (!adapter) throw new Error('no WebGPU adapter');
const bench = await StepBench.create('webgpu', student, batch);
await bench.steps(1);
dispatches.length = 0;
await bench.steps(1);
bench.free();

const kernels = new Map();
for (const [label, x, y, z] of dispatches) {
  const k = kernels.get(label) ?? { kernel: label, workgroupSize: workgroup.get(label) ?? null, grids: [], calls: 0 };
  k.calls += 1;
  k.grids.push([x, y, z]);
  kernels.set(label, k);
}
const rows = [...kernels.values()].map((k) => ({
  kernel: k.kernel,
  workgroupSize: k.workgroupSize?.join('x') ?? null,
  calls: k.calls,
  workgroups: k.grids.map(([x, y, z]) => x * y * z),
}));
console.log(`${student} batch ${batch}: ${dispatches.length} dispatches, ${rows.length} kernels (${adapter.info.description || adapter.info.vendor})`);
for (const r of rows.filter((r) => /matmul|conv/.test(r.kernel))) {
  console.log(`  ${r.kernel.slice(0, 72).padEnd(72)} ${String(r.workgroupSize).padStart(7)}  workgroups ${r.workgroups.join(',')}`);
}
if (out) {
  const { vendor, architecture, device, description } = adapter.info;
  const head = { student, batch, adapter: { vendor, architecture, device, description }, dispatches: dispatches.length };
  // One line per kernel keeps the file short and diffable.
  const text = JSON.stringify(head, null, 1).replace(/\n}$/, ',\n "kernels": [\n')
    + rows.map((r) => '  ' + JSON.stringify(r)).join(',\n') + '\n ]\n}\n';
  await Deno.writeTextFile(out, text);
  console.log(`wrote ${out}`);
}
