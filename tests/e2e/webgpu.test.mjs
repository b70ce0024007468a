// The WebGPU path in real Chromium, on SwiftShader's CPU-emulated adapter: a few real training steps.
// SwiftShader is slow (first step ~6 s of shader compiles, then ~2.4 steps/s), hence the generous timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, assertClean, launch, screenshot, waitForState, waitForSteps } from './helpers.mjs';

test('WebGPU (SwiftShader): ready on WebGPU, trains 5 steps with a finite loss, pauses', { timeout: 300_000 }, async (t) => {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page } = lab;

  await page.goto(`${lab.url}#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.001&batch=64&epochs=1&seed=1&eval=1000&backend=webgpu`);
  await waitForState(page, 'ready', 180_000);
  const backend = await page.textContent('#backend');
  const reason = await page.textContent('#backend-reason');
  assert.match(backend, /WebGPU/, `backend: ${backend} (${reason})`);
  assert.match(reason, /self-check passed/, reason);

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

  // The WebGPU build has no CPU backend: the teacher's network reads a drawing on the GPU.
  await page.click('#pad-sample');
  await page.waitForFunction(() => /^your drawing: the teacher says 7/.test(document.getElementById('inspect-caption').textContent),
    null, { timeout: 120_000 });

  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg/distill_lab_bg.wasm'], 'with an adapter the page loads the WebGPU build');
  assertClean(assert, lab);
});

// The WebGPU build has no CPU backend, so when it cannot run (here: its wasm arrives corrupt, as a broken download
// would) the worker must load the CPU build, say why, and train there.
test('WebGPU build unusable: the page falls back to the CPU build and trains', { timeout: 180_000 }, async (t) => {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page, context } = lab;
  await context.route('**/pkg/distill_lab_bg.wasm', (r) => r.fulfill({ status: 200, body: 'not a wasm module' }));

  await page.goto(`${lab.url}#dataset=mnist&hidden=32&batch=64&epochs=1&seed=1&eval=1000&backend=webgpu`);
  await waitForState(page, 'ready', 120_000);
  const backend = await page.textContent('#backend');
  const reason = await page.textContent('#backend-reason');
  assert.match(backend, /CPU/, `backend: ${backend} (${reason})`);
  assert.match(reason, /WebAssembly.*using the CPU/s, `the reason names the failure: ${reason}`);

  await page.click('#btn-start');
  assert.ok((await waitForSteps(page, 5, 60_000)) >= 5);
  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg/distill_lab_bg.wasm', '/pkg-cpu/distill_lab_bg.wasm']);
  assertClean(assert, lab);
});

// The default is the path measured faster: with an adapter, 'auto' still trains on the CPU build and says why; the
// visitor can switch to WebGPU in the form, which restarts the worker on the WebGPU build.
test('Backend auto: the CPU with a WebGPU adapter present, and the switch to WebGPU', { timeout: 240_000 }, async (t) => {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(`${lab.url}#dataset=mnist&hidden=32&batch=64&epochs=1&seed=1&eval=1000`);
  await waitForState(page, 'ready', 120_000);
  assert.match(await page.textContent('#backend'), /CPU/);
  assert.match(await page.textContent('#backend-reason'), /CPU path trained faster in every measurement/);
  // (this link sets eval=1000, so More settings is open already)
  assert.equal(await page.evaluate(() => document.getElementById('more-settings').open), true);
  await page.selectOption('#in-backend', 'webgpu');
  await page.waitForFunction(() => /backend=webgpu/.test(location.hash));
  await waitForState(page, 'ready', 180_000);
  await page.waitForFunction(() => /WebGPU/.test(document.getElementById('backend').textContent), null, { timeout: 60_000 });
  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg-cpu/distill_lab_bg.wasm', '/pkg/distill_lab_bg.wasm']);
  assertClean(assert, lab);
});

// A device whose kernels compute something else than the CPU's (here: the reference it is checked against says so,
// as a GPU writing zeros would) is not trusted: the page falls back to the CPU build, says why, and trains.
test('WebGPU that fails the self-check: the CPU build trains instead', { timeout: 180_000 }, async (t) => {
  const shipped = JSON.parse(readFileSync(join(ROOT, 'www/models/self-check.json'), 'utf8'));
  assert.ok(shipped.steps.some((s) => s.student.startsWith('cnn:')), 'the shipped self-check has a CNN step');
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page, context } = lab;
  await context.route('**/models/self-check.json', async (route) => {
    const reference = await (await route.fetch()).json();
    // What a skipped dispatch leaves behind, in the CNN's step only: the convolutions' kernels are checked too.
    const cnn = reference.steps.find((s) => s.student.startsWith('cnn:'));
    cnn.logits = cnn.logits.map(() => 0);
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(reference) });
  });
  await page.goto(`${lab.url}#dataset=mnist&hidden=32&batch=64&epochs=1&seed=1&eval=1000&backend=webgpu`);
  await waitForState(page, 'ready', 180_000);
  const backend = await page.textContent('#backend');
  const reason = await page.textContent('#backend-reason');
  assert.match(backend, /CPU/, `backend: ${backend} (${reason})`);
  assert.match(reason, /failed the self-check \(the GPU's self-check step differs from the CPU's by [\d.e+-]+/, reason);
  await page.click('#btn-start');
  assert.ok((await waitForSteps(page, 5, 60_000)) >= 5);
  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg/distill_lab_bg.wasm', '/pkg-cpu/distill_lab_bg.wasm']);
  assertClean(assert, lab);
});
