// A worker that fails for good (www/worker-host.js, recovery.js): a wasm trap in the middle of a run (forced the way a
// Rust panic surfaces, WebAssembly.RuntimeError 'unreachable' out of trainSteps), on the CPU build (the run starts
// again from its seed) and on the WebGPU one, and a lost GPU (the run resumes on the CPU from its last checkpoint); an
// error the worker's handler throws; a worker that stops answering; and the guard against restart loops.
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
  assert.deepEqual(r.takeRun(), { config, paused: false, checkpoint: null });
  assert.equal(r.takeRun(), null, 'once');
  r.restarted(2);
  const m = r.trim({ step: 42, losses: Float32Array.of(5, 6, 7, 8), baselineLosses: [9, 9, 9, 9], discriminator: new Float32Array() });
  assert.deepEqual([...m.losses], [7, 8]);
  assert.deepEqual(m.baselineLosses, [9, 9]);
  clock += WINDOW_MS - 1;
  assert.equal(r.allow({ running: false, paused: false, runId: 2, config }), false, 'within the window');
  clock += WINDOW_MS;
  assert.equal(r.allow({ running: true, paused: false, runId: 2, config }), false, 'the restarted run again');
  const checkpoint = { step: 40, students: {} };
  assert.equal(r.allow({ running: true, paused: true, runId: 3, config, checkpoint }), true, 'another run, after the window');
  assert.deepEqual(r.takeRun(), { config, paused: true, checkpoint });
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
  assert.match(notice, /starts the run again from its settings and seed, as there is no checkpoint of it/, notice);
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
 * A WebGPU run failed by `trap` before a chunk: the run resumes on the CPU build from the last checkpoint the WebGPU
 * worker posted, each step drawn once, the badge saying why (`reason`); returns the badge's reason. `paused`: the trap
 * is armed while the run is paused (the pause takes a checkpoint), else `trap` goes to the first worker before the run
 * starts (checkpoints as the run takes them). The hooks' lists record what the workers posted, before the page trims it.
 */
async function gpuFailure(t, trap, reason, { paused = true } = {}) {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page } = lab;
  const hooks = { checkpoints: [], resumed: [], progress: [], traps: paused ? [] : [trap] };
  await open(lab, hooks, `${RUN}&backend=webgpu`);
  assert.equal(await page.getAttribute('#backend-badge', 'data-backend'), 'webgpu', JSON.stringify(await describe(page)));

  let pausedAt = null;
  if (paused) {
    pausedAt = await startAndPause(page, 3, 180_000);
    await post(page, { command: 'test-trap', ...trap });
    await page.click('#btn-pause');
  } else {
    await page.click('#btn-start');
  }
  const notice = await waitForNotice(page, /worker failed at step \d+ /, 240_000);
  const at = Number(notice.match(/failed at step (\d+) /)[1]);
  await waitForNotice(page, /came from the WebGPU build, so the new worker runs the CPU build/);
  await waitForState(page, 'done', 120_000);
  assert.equal(await page.getAttribute('#backend-badge', 'data-backend'), 'cpu');
  const text = await page.textContent('#backend-reason');
  assert.match(text, reason);

  // The last checkpoint before the failure (the pause took one at its step), and the new worker went on from it.
  const log = await page.evaluate(() => {
    const { checkpoints, resumed, progress } = window.__distillLabTest;
    return { checkpoints, resumed, progress };
  });
  const lost = log.progress[0].runId;
  const saved = log.checkpoints.filter((c) => c.runId === lost && c.step <= at).at(-1);
  assert.ok(saved, `a checkpoint before step ${at}: ${JSON.stringify(log.checkpoints)}`);
  if (paused) assert.equal(saved.step, pausedAt, 'the pause took a checkpoint');
  // (The failure's message may run over several lines.)
  assert.match(notice, new RegExp(`failed at step ${at} .*resumes the run on the CPU from its last checkpoint, at step ${saved.step}:`, 's'));
  assert.equal(log.resumed.length, 1, JSON.stringify(log.resumed));
  assert.equal(log.resumed[0].step, saved.step);
  assert.equal(log.resumed[0].message, null);
  const after = log.progress.filter((p) => p.runId === log.resumed[0].runId);
  assert.equal(after[0].step, saved.step + 1, 'the first chunk on the CPU trains the step after the checkpoint');
  assert.equal(after[0].step - after[0].count, saved.step, 'and reports no step up to the checkpoint');
  after.forEach((p, i) => i > 0 && assert.equal(p.step - p.count, after[i - 1].step, 'the chunks follow each other'));
  assert.equal(after.at(-1).step, 125);

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
  const costs = log.checkpoints.map((c) => `step ${c.step}: ${c.bytes} B in ${Math.round(c.costMs)} ms`).join('; ');
  t.diagnostic(`failed at step ${at}, resumed from ${saved.step}; checkpoints on WebGPU: ${costs}`);
  return text;
}

test('a trap on the WebGPU build: the run resumes on the CPU build from its checkpoint, and the visitor is told', {
  timeout: 300_000,
}, (t) => gpuFailure(t, { atStep: 0 }, /the WebGPU build failed in this session \(unreachable\)/));

test('a lost GPU: the device destroyed mid-run, the run resumes on the CPU from its last checkpoint, and the visitor is told', {
  timeout: 300_000,
}, async (t) => {
  // GPUDevice.destroy() before the chunk at step 40 or later, as a driver reset loses a device: cubecl's lost-device
  // callback poisons it, the next read back fails naming why. The checkpoints the run took by then are its own.
  const reason = await gpuFailure(t, { where: 'loseGpu', atStep: 40 },
    /the WebGPU build failed in this session \(reading a tensor back from the device failed: The device is poisoned\)/,
    { paused: false });
  t.diagnostic(`after the lost device: ${reason}`);
});

test('a damaged checkpoint: the new worker refuses it, says why, and the run starts again from its seed', {
  timeout: 300_000,
}, async (t) => {
  const lab = await launch({ webgpu: true });
  t.after(() => lab.close());
  const { page } = lab;
  await open(lab, { resumed: [], progress: [], corruptCheckpoint: true }, `${RUN}&backend=webgpu`);
  const at = await startAndPause(page, 3, 180_000);
  await post(page, { command: 'test-trap', atStep: 0 });
  await page.click('#btn-pause');
  await waitForNotice(page, new RegExp(`worker failed at step ${at} .*from its last checkpoint, at step ${at}:`, 's'));
  const refused = await waitForNotice(page, /checkpoint could not be loaded/);
  assert.match(refused, new RegExp(`\\(checkpoint: corrupt or truncated: its checksum does not match\\), so it starts again from its settings and seed instead: the first ${at} steps`), refused);
  await waitForState(page, 'done', 120_000);
  const log = await page.evaluate(() => ({ resumed: window.__distillLabTest.resumed, progress: window.__distillLabTest.progress }));
  assert.equal(log.resumed.length, 1);
  assert.equal(log.resumed[0].step, 0);
  const after = log.progress.filter((p) => p.runId === log.resumed[0].runId);
  assert.equal(after[0].step - after[0].count, 0, 'the new worker trains from step 1');
  assert.deepEqual((await points(page)).steps, Array.from({ length: 125 }, (_, i) => i + 1), 'each step drawn once');
  assert.ok((await accuracy(page)) > 75);
  lab.log.consoleErrors = lab.log.consoleErrors.filter((m) => !/device was lost|destroyed/i.test(m));
  assertClean(assert, lab);
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
