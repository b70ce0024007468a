// The benchmark's clock, shared by the browser page (bench.js) and the Deno runner (bench/deno-bench.mjs).
// `bench.steps(n)` trains n steps and reads the last loss back once (one synchronisation per chunk).

/** Steps per timed chunk, fewer only where one step takes over 25 ms. */
export const CHUNK = 10;

/** Warm-up: 2 steps (shader compiles, allocations), then 1 step that sizes the chunks. */
export async function warmUp(bench) {
  const t0 = performance.now();
  await bench.steps(2);
  const t1 = performance.now();
  await bench.steps(1);
  return { firstSeconds: (t1 - t0) / 1000, oneStepSeconds: (performance.now() - t1) / 1000 };
}

/** Runs chunks until `seconds` pass (at least one chunk, at most 3,000 steps). */
export async function timeSteps(bench, seconds, oneStepSeconds) {
  const chunk = Math.max(1, Math.min(CHUNK, Math.round(0.25 / Math.max(oneStepSeconds, 1e-4))));
  let steps = 0;
  let lastLoss = NaN;
  const start = performance.now();
  while (steps === 0 || ((performance.now() - start) / 1000 < seconds && steps < 3000)) {
    lastLoss = await bench.steps(chunk);
    steps += chunk;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { steps, chunk, seconds: elapsed, stepsPerSecond: steps / elapsed, lastLoss };
}

/** The benchmark's workloads, as in src/train/bench.rs. */
export function workloads(quick) {
  const all = [
    { name: 'mlp-128-b64', student: 'mlp:128', batch: 64 },
    { name: 'mlp-800-800-b256', student: 'mlp:800,800', batch: 256 },
    { name: 'mlp-800-800-b1024', student: 'mlp:800,800', batch: 1024 },
    { name: 'cnn-8-16-64-b64', student: 'cnn:8,16,64', batch: 64 },
  ];
  return quick ? all.slice(0, 2) : all;
}
