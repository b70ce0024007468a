// WebGPU equals CPU, in the browser, method by method: the browser twin of tests/wgpu_methods.rs. For every method of
// the wasm's own catalogue (methodCatalogue(), not a list kept here), the WebGPU build (on SwiftShader's CPU-emulated
// adapter, after the page's self-check) and the CPU build train the first STEPS steps from the same settings and seed;
// their losses must agree within LOSS_TOL, and the two students must predict the same classes on a fixed batch of
// test images (except where the CPU's two top logits are within TIE: a near tie may fall either way in f32).
//
// Both builds run in test-only workers (tests/e2e/fixtures/parity-worker.js) that start them with the page's own
// start-up code (www/worker-backend.js) and load what www/worker.js loads; this file serves them from its own
// server, so nothing is added to the published page. A method that fails on one build (a panic, a trap, a hang past
// RUN_TIMEOUT) fails its subtest with the reason; the next method gets a fresh worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from '../../tools/serve.mjs';
import { ROOT, openBrowser, requireBuild } from './helpers.mjs';

/** Steps compared per method (the native test's). */
const STEPS = 5;
/**
 * Relative tolerance of a loss, |gpu − cpu| / max(|cpu|, 1): the native test's (f32 kernels that sum in another
 * order, through five Adam steps). Measured in the browser on SwiftShader: ≤ 6e-7 for every method that runs but FSP
 * (2e-6); the table this test prints has each one.
 */
const LOSS_TOL = 5e-4;
/**
 * Test images whose predictions are compared (the first ones of the test set). The native test takes 500; here each
 * image is one inspectTest call, ~15–70 ms on SwiftShader, so fewer.
 */
const FIXED_BATCH = 100;
/** A prediction may differ only where the CPU's two top logits are this close (the native test's). */
const TIE = 1e-2;
/**
 * Relative tolerance of a logit of the fixed batch, |gpu − cpu| / max(|cpu|, 1): beyond the native test, which compares
 * only the predicted classes, so that a kernel that shifts every logit alike (same classes) fails too. Measured on
 * SwiftShader: ≤ 8e-7.
 */
const LOGIT_TOL = 1e-3;
/**
 * Methods skipped here, key → why (printed). Keep it empty: a method that cannot run on one of the builds is a bug of
 * that build and fails this test, unless it is listed here with its reason.
 */
const SKIP = new Map();
/** The settings of every run (the native test's): only the method and the student change. */
const BASE = { trainLimit: 640, batchSize: 64, lr: 2e-3, seed: 3, race: false, evalEvery: 0 };
/** Starting a build: the wasm, the self-check on WebGPU, MNIST and its teachers. */
const OPEN_TIMEOUT = 180_000;
/** One method on one build: STEPS steps (mostly shader compiles on SwiftShader) and the fixed batch's logits. */
const RUN_TIMEOUT = 240_000;

/**
 * The student a method takes, from what it needs: the teacher's conv channels (FSP compares them channel by channel),
 * a small CNN (the conv methods), else an MLP with one hidden layer (FitNets, RKD and the relational methods need one).
 */
function studentFor(needs, teacherSpec) {
  if (needs.teacherChannels) {
    const m = /^cnn:(\d+),(\d+),\d+$/.exec(teacherSpec);
    assert.ok(m, `a method needs the teacher's conv channels, but the teacher is ${teacherSpec}`);
    return { arch: 'cnn', hidden: [Number(m[1]), Number(m[2]), 32] };
  }
  if (needs.cnn) return { arch: 'cnn', hidden: [8, 16, 32] };
  return { arch: 'mlp', hidden: [64] };
}

const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
const rows = (flat) => Array.from({ length: flat.length / 10 }, (_, i) => flat.slice(i * 10, i * 10 + 10));

/** What the two runs of a method say about each other (the native test's rules). */
function compare(g, c) {
  const worst = g.losses.reduce((w, a, i) => Math.max(w, Math.abs(a - c.losses[i]) / Math.max(Math.abs(c.losses[i]), 1)), 0);
  let differ = 0;
  let ties = 0;
  let logitDiff = 0;
  const [gr, cr] = [rows(g.logits), rows(c.logits)];
  gr.forEach((rg, i) => {
    const rc = cr[i];
    rg.forEach((v, k) => (logitDiff = Math.max(logitDiff, Math.abs(v - rc[k]) / Math.max(Math.abs(rc[k]), 1))));
    const [ag, ac] = [argmax(rg), argmax(rc)];
    if (ag === ac) return;
    if (Math.abs(rc[ac] - rc[ag]) > TIE) differ += 1;
    else ties += 1;
  });
  return { worst, differ, ties, logitDiff, zeros: g.logits.every((v) => v === 0) };
}

const ms = (r) => (r.ok ? `${((r.ms.train + r.ms.inspect) / 1000).toFixed(1)} s` : '-');

test('WebGPU equals CPU in the browser: every method\'s first steps and predictions', { timeout: 3_600_000 }, async (t) => {
  requireBuild();
  const mounts = [
    // parity-worker.js's start-up code fetches ./models/self-check.json relative to the worker.
    ['/__e2e__/models/', join(ROOT, 'www', 'models')],
    ['/__e2e__/', join(ROOT, 'tests', 'e2e', 'fixtures')],
    ['/pkg/', join(ROOT, 'pkg')],
    ['/pkg-cpu/', join(ROOT, 'pkg-cpu')],
    ['/', join(ROOT, 'www')],
  ];
  const { server, url } = await startServer({ port: 0, mounts });
  const lab = await openBrowser({ webgpu: true, origin: new URL(url).origin }).catch((e) => {
    server.close();
    throw e;
  });
  t.after(async () => {
    await lab.close();
    await new Promise((ok) => server.close(ok));
    server.closeAllConnections?.();
  });
  const { page } = lab;
  await page.goto(`${url}__e2e__/parity.html`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });

  const began = Date.now();
  const gpu = await page.evaluate(([n, m, ms]) => window.parity.open(n, m, ms), ['gpu', 'webgpu', OPEN_TIMEOUT]);
  assert.equal(gpu.backend, 'webgpu', `the WebGPU build must run on WebGPU here: ${gpu.reason}`);
  assert.match(gpu.reason, /self-check passed/, gpu.reason);
  const cpu = await page.evaluate(([n, m, ms]) => window.parity.open(n, m, ms), ['cpu', 'cpu', OPEN_TIMEOUT]);
  assert.equal(cpu.backend, 'cpu', cpu.reason);
  // The list of methods is the wasm's; both builds must have the same one.
  assert.deepEqual(gpu.catalogue, cpu.catalogue, 'the two builds list the same methods (rebuild both: make wasm)');
  const methods = gpu.catalogue.methods;
  assert.ok(methods.length >= 13, `${methods.length} methods in the catalogue`);
  assert.equal(gpu.teacher.spec, cpu.teacher.spec);
  if (methods.some((m) => m.needs.teachers > 1)) {
    assert.ok(gpu.second && cpu.second && gpu.second.testAccuracy > 0.9, 'the multi-teacher methods have their second teacher');
  }
  t.diagnostic(`WebGPU: ${gpu.reason}; teacher ${gpu.teacher.spec}; second teacher ${gpu.second.spec}; ` +
    `builds started in ${((Date.now() - began) / 1000).toFixed(1)} s`);

  const indices = Array.from({ length: FIXED_BATCH }, (_, i) => i);
  const table = [];
  for (const method of methods) {
    if (SKIP.has(method.key)) {
      table.push({ method: method.key, student: '', result: `SKIPPED: ${SKIP.get(method.key)}`, gpu: '-', cpu: '-' });
      await t.test(method.key, { skip: SKIP.get(method.key) }, () => {});
      continue;
    }
    await t.test(method.key, async () => {
      const errorsBefore = lab.log.consoleErrors.length;
      const config = { ...BASE, method: method.key, ...studentFor(method.needs, gpu.teacher.spec) };
      const student = `${config.arch}:${config.hidden.join(',')}`;
      const runOn = (name) => page.evaluate(([n, c, s, i, ms]) => window.parity.run(n, c, s, i, ms),
        [name, config, STEPS, indices, RUN_TIMEOUT]);
      const g = await runOn('gpu');
      const c = await runOn('cpu');
      const row = { method: method.key, student, gpu: ms(g), cpu: ms(c) };
      table.push(row);
      if (!g.ok || !c.ok) {
        const brief = (e) => e.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ');
        row.result = `did not run: ${[!g.ok && `WebGPU: ${brief(g.error)}`, !c.ok && `CPU: ${brief(c.error)}`].filter(Boolean).join('; ')}`;
        assert.fail(`${method.key} (${student}) did not run on ${!g.ok ? 'WebGPU' : 'the CPU'}: ${!g.ok ? g.error : c.error}`);
      }
      for (const [name, r] of [['WebGPU', g], ['CPU', c]]) {
        assert.equal(r.step, STEPS, `${name}: ${r.step} steps`);
        assert.equal(r.losses.length, STEPS, `${name}: ${r.losses.length} losses`);
        assert.ok(!r.nanPaused && r.losses.every(Number.isFinite), `${name}: losses ${r.losses} (${r.message})`);
        assert.equal(r.logits.length, 10 * FIXED_BATCH, `${name}: ${r.logits.length} logits`);
      }
      const d = compare(g, c);
      Object.assign(row, {
        worstLoss: d.worst.toExponential(1),
        predictions: `${FIXED_BATCH - d.differ - d.ties}/${FIXED_BATCH} same, ${d.ties} near ties`,
        worstLogit: d.logitDiff.toExponential(1),
      });
      assert.ok(!d.zeros, `${method.key}: the WebGPU student's logits are all zeros`);
      assert.ok(d.worst <= LOSS_TOL,
        `${method.key}: worst relative loss difference ${d.worst.toExponential(2)} > ${LOSS_TOL}: ` +
        `WebGPU ${JSON.stringify(g.losses)} vs CPU ${JSON.stringify(c.losses)}`);
      assert.equal(d.differ, 0, `${method.key}: ${d.differ} of ${FIXED_BATCH} predictions differ (beyond near ties)`);
      assert.ok(d.logitDiff <= LOGIT_TOL, `${method.key}: a logit differs by ${d.logitDiff.toExponential(2)} > ${LOGIT_TOL}`);
      assert.deepEqual(lab.log.consoleErrors.slice(errorsBefore), [], `${method.key}: console errors`);
      row.passed = true;
    });
  }
  await page.evaluate(() => window.parity.close());
  const lines = table.map((r) => `${r.passed ? 'ok  ' : r.result?.startsWith('SKIPPED') ? 'skip' : 'FAIL'} ` +
    `${r.method.padEnd(18)} ${r.student.padEnd(13)} ` +
    (r.result ?? `loss ${r.worstLoss}, logits ${r.worstLogit}, predictions ${r.predictions}`) +
    ` (WebGPU ${r.gpu}, CPU ${r.cpu})`);
  t.diagnostic(`worst relative differences per method (tolerances: loss ${LOSS_TOL}, logits ${LOGIT_TOL}; ` +
    `${STEPS} steps; ${FIXED_BATCH} test images); ${((Date.now() - began) / 1000).toFixed(0)} s in all`);
  for (const line of lines) t.diagnostic(line);
  assert.deepEqual(lab.log.pageErrors, [], 'page errors');
  assert.deepEqual(lab.foreignRequests(), [], `requests outside ${lab.origin}`);
});
