// Counts WebGPU API calls by wrapping the prototypes' methods: how many submits, buffer maps, writes, dispatches,
// pipelines and bind groups one training step costs. Installed only for the counting pass (the wrappers cost time).

const COUNTED = {
  GPUQueue: ['submit', 'writeBuffer', 'onSubmittedWorkDone'],
  GPUBuffer: ['mapAsync'],
  GPUDevice: ['createBuffer', 'createBindGroup', 'createComputePipeline', 'createComputePipelineAsync',
    'createShaderModule', 'createCommandEncoder'],
  GPUCommandEncoder: ['beginComputePass', 'copyBufferToBuffer'],
  GPUComputePassEncoder: ['dispatchWorkgroups'],
};

export const counts = {};
let installed = false;

/** Wraps the counted methods once; returns false where WebGPU is missing. */
export function installGpuCounter() {
  if (installed) return true;
  if (typeof GPUQueue === 'undefined') return false;
  for (const [type, methods] of Object.entries(COUNTED)) {
    const proto = globalThis[type]?.prototype;
    if (!proto) continue;
    for (const m of methods) {
      const original = proto[m];
      if (typeof original !== 'function') continue;
      const key = `${type}.${m}`;
      counts[key] = 0;
      proto[m] = function counted(...args) {
        counts[key] += 1;
        return original.apply(this, args);
      };
    }
  }
  installed = true;
  return true;
}

/** A copy of the counters now. */
export function snapshot() {
  return { ...counts };
}

/** Calls per step between two snapshots, rounded to 0.01. */
export function perStep(before, after, steps) {
  const out = {};
  for (const key of Object.keys(after)) {
    out[key] = Math.round(((after[key] - (before[key] || 0)) / steps) * 100) / 100;
  }
  return out;
}
