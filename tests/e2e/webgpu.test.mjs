// The WebGPU path in real Chromium, on SwiftShader's CPU-emulated adapter: a few real training steps.
// SwiftShader is slow (first step ~6 s of shader compiles, then ~2.4 steps/s), hence the generous timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClean, launch, screenshot, waitForState, waitForSteps } from './helpers.mjs';

test('WebGPU (SwiftShader): ready on WebGPU, trains 5 steps with a finite loss, pauses', { timeout: 300_000 }, async (t) => {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page } = lab;

  await page.goto(`${lab.url}#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.001&batch=64&epochs=1&seed=1&eval=1000`);
  await waitForState(page, 'ready', 180_000);
  const backend = await page.textContent('#backend');
  const reason = await page.textContent('#backend-reason');
  assert.match(backend, /WebGPU/, `backend: ${backend} (${reason})`);

  await page.click('#btn-start');
  await waitForState(page, ['running', 'paused', 'done'], 10_000);
  const step = await waitForSteps(page, 5, 180_000);
  assert.ok(step >= 5);
  const loss = Number(await page.textContent('#last-loss'));
  assert.ok(Number.isFinite(loss) && loss > 0, `last loss ${loss}`);

  await page.click('#btn-pause');
  await waitForState(page, 'paused', 60_000);
  assert.equal(await page.textContent('#btn-pause'), 'Resume');
  await screenshot(page, 'webgpu-paused.png');

  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg/distill_lab_bg.wasm'], 'with an adapter the page loads the WebGPU build');
  assertClean(assert, lab);
});
