// A worker that fails for good (www/worker-host.js, recovery.js): a wasm trap in the middle of a run (forced the way a
// Rust panic surfaces, WebAssembly.RuntimeError 'unreachable' out of trainSteps), on the CPU build and on the WebGPU
// one; an error the worker's handler throws; a worker that stops answering; and the guard against restart loops.
// The traps come from window.__distillLabTest, which only an init script can set (a link cannot): its `traps` go to
// each new worker in turn, `post` reaches the current one, `points` reads the curves. First, recovery.js's rule alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClean, describe, launch, waitForState, waitForSteps } from './helpers.mjs';
import { createRecovery, stepsAfter, WINDOW_MS } from '../../www/recovery.js';

// 125 steps, an evaluation every 25: a normal run ends at 82–84% (seeds 1 and 3).
const RUN = '#dataset=mnist&hidden=64&batch=32&epochs=1&limit=4000&eval=25&seed=1';

async function open(lab, hooks, hash) {
  await lab.page.addInitScript((h) => {
    window.__distillLabTest = h;
  }, hooks);
  await lab.page.goto(lab.url + hash);
  await waitForState(lab.page, 'ready', 180_000);
}

const post = (page, msg) => page.evaluate((m) => window.__distillLabTest.post(m), msg);
const points = (page) => page.evaluate(() => window.__distillLabTest.points());
const notices = (page) => page.$$eval('#notices li', (lis) => lis.map((li) => li.textContent));

/** Waits for a notice that matches `re`; returns its text. */
async function waitForNotice(page, re, timeout = 60_000) {
  try {
    const seen = (src) => [...document.querySelectorAll('#notices li')].some((li) => new RegExp(src).test(li.textContent));
    await page.waitForFunction(seen, re.source, { timeout, polling: 100 });
  } catch {
    throw new Error(`no notice matching ${re} in ${timeout} ms: ${JSON.stringify(await describe(page))}`);
  }
  return (await notices(page)).find((n) => re.test(n));
}

/** Starts a run, pauses it at `steps` or later; returns the step it paused at. */
async function startAndPause(page, steps, timeout) {
  await page.click('#btn-start');
  await waitForSteps(page, steps, timeout);
  await page.click('#btn-pause');
  await waitForState(page, 'paused', timeout);
  return Number(await page.textContent('#step'));
}

const accuracy = async (page) => Number((await page.textContent('#final-accuracy')).replace('%', ''));

/** Start and Reset work: a run starts, trains, and Reset returns to ready. */
async function assertUsable(page) {
  assert.equal(await page.isEnabled('#btn-start'), true, 'Start is enabled');
  await page.click('#btn-start');
  await waitForSteps(page, 10, 60_000);
  assert.equal(await page.isEnabled('#btn-reset'), true, 'Reset is enabled');
  await page.click('#btn-reset');
  await waitForState(page, 'ready', 30_000);
  assert.equal(await page.isEnabled('#btn-start'), true);
}

test('the restart rule, and the retraced steps left out of the curves (no browser)', () => {
  assert.deepEqual(stepsAfter([1, 2, 3, 4], 10, 8), { first: 9, values: [3, 4] });
  assert.deepEqual(stepsAfter([1, 2], 10, 0), { first: 9, values: [1, 2] });
  assert.deepEqual(stepsAfter([1, 2], 10, 12), { first: 11, values: [] });

  let clock = 0;
  const r = createRecovery({ now: () => clock });
  const config = { epochs: 1 };
  r.trim({ step: 40, losses: Float32Array.of(1, 2) });
  assert.equal(r.allow({ running: true, paused: false, runId: 1, config }), true);
  assert.equal(r.through(), 40);
  assert.deepEqual(r.takeRun(), { config, paused: false });
  assert.equal(r.takeRun(), null, 'once');
  r.restarted(2);
  const m = r.trim({ step: 42, losses: Float32Array.of(5, 6, 7, 8), baselineLosses: [9, 9, 9, 9], discriminator: new Float32Array() });
  assert.deepEqual([...m.losses], [7, 8]);
  assert.deepEqual(m.baselineLosses, [9, 9]);
  clock += WINDOW_MS - 1;
  assert.equal(r.allow({ running: false, paused: false, runId: 2, config }), false, 'within the window');
  clock += WINDOW_MS;
  assert.equal(r.allow({ running: true, paused: false, runId: 2, config }), false, 'the restarted run again');
  assert.equal(r.allow({ running: true, paused: true, runId: 3, config }), true, 'another run, after the window');
  assert.deepEqual(r.takeRun(), { config, paused: true });
  r.clear();
  assert.equal(r.through(), 0);
});

test('a trap mid-run: a new worker runs it again on the curves drawn so far, to the same end', { timeout: 180_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await open(lab, {}, RUN);

  // The run without a failure, for comparison.
  await page.click('#btn-start');
  await waitForState(page, 'done', 60_000);
  const clean = { accuracy: await accuracy(page), points: await points(page) };
  assert.ok(clean.accuracy > 75, `a normal run ends at ${clean.accuracy}%`);

  // The same run, trapped at its first chunk after step 40.
  const at = await startAndPause(page, 40, 60_000);
  const before = await points(page);
  assert.equal(before.steps.at(-1), at);
  await post(page, { command: 'test-trap', atStep: 0 });
  await page.click('#btn-pause'); // Resume: its first chunk traps
  const notice = await waitForNotice(page, /worker failed at step/);
  assert.match(notice, new RegExp(`at step ${at} \\(unreachable\\)`), notice);
  assert.match(notice, /cannot load a run’s weights or optimizer state back/, notice);
  const started = Date.now();
  await waitForState(page, 'done', 120_000);
  const recoveredIn = Date.now() - started;

  // The curves kept their points and went on without drawing a step twice; the replay on the CPU retraced the same
  // steps (same seed), so the run ended exactly where the run without a failure did.
  const after = await points(page);
  assert.deepEqual(after.steps.slice(0, before.steps.length), before.steps);
  assert.deepEqual(after.losses.slice(0, before.losses.length), before.losses, 'the points before the trap are kept');
  assert.deepEqual(after.steps, Array.from({ length: 125 }, (_, i) => i + 1), 'each step drawn once');
  assert.deepEqual(after.losses, clean.points.losses);
  assert.deepEqual(after.evals, clean.points.evals);
  assert.equal(await accuracy(page), clean.accuracy);
  assert.equal(await page.getAttribute('#backend-badge', 'data-backend'), 'cpu');
  t.diagnostic(`trapped at step ${at}; the new worker finished the run ${recoveredIn} ms later, at ${clean.accuracy}%`);

  await assertUsable(page);
  assertClean(assert, lab);
});

/**
 * A WebGPU run failed by `trap` (a test-trap message) before its next chunk: the run finishes on the CPU build, each
 * step drawn once, the badge saying why (`reason`); returns the badge's reason.
 */
async function gpuFailure(t, trap, reason) {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page } = lab;
  await open(lab, {}, `${RUN}&backend=webgpu`);
  assert.equal(await page.getAttribute('#backend-badge', 'data-backend'), 'webgpu', JSON.stringify(await describe(page)));

  const at = await startAndPause(page, 3, 180_000);
  await post(page, { command: 'test-trap', ...trap });
  await page.click('#btn-pause');
  await waitForNotice(page, new RegExp(`worker failed at step ${at} `));
  await waitForNotice(page, /came from the WebGPU build, so the new worker runs the CPU build/);
  await waitForState(page, 'done', 120_000);
  assert.equal(await page.getAttribute('#backend-badge', 'data-backend'), 'cpu');
  const text = await page.textContent('#backend-reason');
  assert.match(text, reason);
  const acc = await accuracy(page);
  assert.ok(acc > 75, `final accuracy ${acc}%`);
  const { steps } = await points(page);
  assert.deepEqual(steps, Array.from({ length: 125 }, (_, i) => i + 1), 'each step drawn once');
  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg/distill_lab_bg.wasm', '/pkg-cpu/distill_lab_bg.wasm']);
  await assertUsable(page);
  // A lost device is reported by the browser and by wgpu on the console; nothing else may be.
  lab.log.consoleErrors = lab.log.consoleErrors.filter((m) => !/device was lost|destroyed/i.test(m));
  assertClean(assert, lab);
  return text;
}

test('a trap on the WebGPU build: the run goes on on the CPU build, and the visitor is told', { timeout: 300_000 }, (t) =>
  gpuFailure(t, { atStep: 0 }, /the WebGPU build failed in this session \(unreachable\)/));

test('a lost GPU: the device destroyed mid-run, the run finishes on the CPU build, and the visitor is told', {
  timeout: 300_000,
}, async (t) => {
  // GPUDevice.destroy() before the next chunk, as a driver reset loses a device: cubecl's lost-device callback poisons
  // it, the next read back fails naming why.
  const reason = await gpuFailure(t, { where: 'loseGpu', atStep: 0 },
    /the WebGPU build failed in this session \(reading a tensor back from the device failed: The device is poisoned\)/);
  t.diagnostic(`after the lost device: ${reason}`);
});

test('a trap in a chain: the chain says so, a new worker takes over; a second failure within a minute stops the lab', {
  timeout: 120_000,
}, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await open(lab, {}, `${RUN}&backend=cpu`);

  // Born-again generations, trapped at the next call into the Lab once the chain trains.
  await page.click('#chain-run');
  await page.waitForFunction(() => /^Stage \d/.test(document.getElementById('chain-status').textContent), null, { timeout: 60_000 });
  await post(page, { command: 'test-trap', where: 'call' });
  await waitForNotice(page, /^The worker failed \(unreachable\)\. A new worker has been started/);
  assert.equal(await page.textContent('#chain-status'), 'Error: unreachable');
  assert.ok((await notices(page)).includes('chain: unreachable'));
  await waitForState(page, 'ready', 60_000);
  assert.equal(await page.isEnabled('#chain-run'), true, 'a chain can run again');
  await assertUsable(page);

  // An error the worker's handler throws (worker.onerror), within a minute of that restart.
  await post(page, { command: 'test-trap', where: 'handler' });
  const stopped = await waitForNotice(page, /failed again soon after a restart/);
  assert.match(stopped, /reload the page/);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'error');
  assert.equal(await page.isEnabled('#btn-start'), false, 'Start is disabled');
  assert.equal(await page.isEnabled('#btn-reset'), false, 'Reset is disabled');
  assertClean(assert, lab);
});

test('a run that traps again after its restart stops the lab: one automatic restart per run', { timeout: 120_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  // No time window here: the rule per run alone stops the loop.
  await open(lab, { traps: [{ atStep: 30 }, { atStep: 10 }], restartWindowMs: 0 }, `${RUN}&backend=cpu`);
  await page.click('#btn-start');
  await waitForNotice(page, /worker failed at step/);
  const stopped = await waitForNotice(page, /failed again soon after a restart \(unreachable\).*reload the page/);
  assert.ok(stopped);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'error');
  assert.equal(await page.isEnabled('#btn-start'), false);
  assert.equal(await page.isEnabled('#btn-reset'), false);
  assert.match(await page.textContent('#status'), /reload the page/);
  assertClean(assert, lab);
});

test('a query to a worker that stopped answering times out, the view says so, and a new worker takes over', {
  timeout: 120_000,
}, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await open(lab, {}, `${RUN}&backend=cpu`);
  await page.waitForFunction(() => !document.getElementById('why-refresh').disabled, null, { timeout: 60_000 });

  await page.evaluate(() => Object.assign(window.__distillLabTest, { askTimeoutMs: 1000, pingMs: 1000 }));
  await post(page, { command: 'test-trap', where: 'hang' });
  const started = Date.now();
  await page.click('#why-refresh');
  const timedOut = await waitForNotice(page, /no answer to the query “gradient” within 1 s/, 10_000);
  assert.match(timedOut, /^why τ²: /, 'the why-τ² view shows it');
  t.diagnostic(`the query failed after ${Date.now() - started} ms`);
  await waitForNotice(page, /^The worker failed \(the worker stopped answering\)/, 10_000);
  await page.evaluate(() => Object.assign(window.__distillLabTest, { askTimeoutMs: undefined, pingMs: undefined }));
  await waitForState(page, 'ready', 60_000);
  await page.waitForFunction(() => !document.getElementById('why-refresh').disabled, null, { timeout: 60_000 });
  await assertUsable(page);
  assertClean(assert, lab);
});

test('a trap in a query while a run is paused: the view says so, and the run comes back paused', { timeout: 120_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await open(lab, {}, `${RUN}&backend=cpu`);
  await page.waitForFunction(() => !document.getElementById('why-refresh').disabled, null, { timeout: 60_000 });

  const at = await startAndPause(page, 30, 60_000);
  const before = await points(page);
  await post(page, { command: 'test-trap', where: 'call' });
  await page.click('#why-refresh'); // its query traps in the Lab
  await waitForNotice(page, /^why τ²: unreachable$/);
  await waitForNotice(page, new RegExp(`^The worker failed at step ${at} \\(unreachable\\)`));
  await waitForState(page, 'paused', 60_000);
  assert.deepEqual((await points(page)).steps, before.steps, 'the curves wait, paused, as they were');
  await page.click('#btn-pause'); // Resume
  await waitForState(page, 'done', 60_000);
  assert.deepEqual((await points(page)).steps, Array.from({ length: 125 }, (_, i) => i + 1));
  assert.ok((await accuracy(page)) > 75);
  await assertUsable(page);
  assertClean(assert, lab);
});
