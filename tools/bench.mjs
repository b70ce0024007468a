#!/usr/bin/env node
// The browser half of `make bench`: in one headless Chromium (WebGPU on SwiftShader), the lab's wasm KD step on the
// CPU and on WebGPU against TF.js 4.22's cpu, wasm, webgl and webgpu backends on the same shapes; WebGPU calls per
// step; the wasm sizes; the bytes the page receives before Start can be pressed (with and without a WebGPU adapter);
// seconds from Start to 97 % test accuracy.
//
//   node tools/bench.mjs [--quick] [--out results/bench] [--only ours:webgpu,tfjs:webgpu]
//
// Writes <out>/browser.json and prints the tables. Numbers are this machine's; ratios are within this one run.
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { launch, ROOT } from '../tests/e2e/helpers.mjs';
import { workloads } from '../www/bench/timing.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const OUT = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : join(ROOT, 'results', 'bench');
const SECONDS = QUICK ? 1.5 : 4;
const CELL_TIMEOUT_MS = QUICK ? 60_000 : 180_000;
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null; // e.g. ours:webgpu,tfjs:webgpu
const WORKLOADS = workloads(QUICK);
const ALL_PATHS = [
  { impl: 'ours', backend: 'cpu' },
  { impl: 'ours', backend: 'webgpu' },
  { impl: 'tfjs', backend: 'cpu' },
  { impl: 'tfjs', backend: 'wasm' },
  { impl: 'tfjs', backend: 'webgl' },
  { impl: 'tfjs', backend: 'webgpu' },
];
const PATHS = ALL_PATHS.filter((p) => !ONLY || ONLY.includes(`${p.impl}:${p.backend}`));
/** The page's default student, as a link: time to accuracy runs it without the hard-label twin. */
const TTA_RUN = '#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=3&seed=1&eval=100&race=0';
const TTA_TARGET = 0.97;

const label = (p) => `${p.impl === 'ours' ? 'distill-lab' : 'TF.js'} ${p.backend}`;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: over ${ms / 1000} s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function sizes() {
  const wasm = [];
  for (const dir of ['pkg', 'pkg-cpu']) {
    const bytes = await readFile(join(ROOT, dir, 'distill_lab_bg.wasm'));
    const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24 } });
    wasm.push({ file: `${dir}/distill_lab_bg.wasm`, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli.length });
  }
  let js = (await stat(join(ROOT, 'pkg', 'distill_lab.js'))).size;
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.name.endsWith('.js')) js += (await stat(join(dir, e.name))).size;
    }
  };
  await walk(join(ROOT, 'www'));
  return { wasm, js };
}

/**
 * Bytes that arrive (encoded, as sent) for the requests started from opening the page until the worker says it is
 * ready (Start can be pressed). What the worker fetches after that (the teacher's network, the second teacher) is
 * listed apart.
 */
export async function pageLoad(lab, webgpu = false) {
  const bodies = [];
  const onFinished = async (r) => {
    const s = await r.sizes().catch(() => null);
    if (s) bodies.push({ url: r.url(), bytes: s.responseBodySize, startTime: r.timing().startTime });
  };
  lab.context.on('requestfinished', onFinished);
  const t0 = Date.now();
  await lab.page.goto(lab.url + TTA_RUN + (webgpu ? '&backend=webgpu' : ''));
  await lab.page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 300_000 });
  const seconds = (Date.now() - t0) / 1000;
  await lab.page.waitForTimeout(1500); // let the after-ready downloads finish, to list them
  lab.context.off('requestfinished', onFinished);
  const readyAt = Number(await lab.page.evaluate(() => document.body.dataset.readyAt));
  const before = bodies.filter((b) => b.startTime < readyAt);
  const after = bodies.filter((b) => b.startTime >= readyAt).map((b) => ({ path: new URL(b.url).pathname, bytes: b.bytes }));
  const largest = before.sort((a, b) => b.bytes - a.bytes).slice(0, 6)
    .map((b) => ({ path: new URL(b.url).pathname, bytes: b.bytes }));
  return { state: await lab.page.evaluate(() => document.body.dataset.state), seconds,
    bytes: before.reduce((a, b) => a + b.bytes, 0), requests: before.length, largest, afterReady: after };
}

/** Seconds from pressing Start until an evaluation reports >= TTA_TARGET (or the budget runs out). */
async function timeToAccuracy(lab, budgetS) {
  const { page } = lab;
  const backend = await page.textContent('#backend');
  const t0 = Date.now();
  await page.click('#btn-start');
  try {
    await page.waitForFunction((target) => Number(document.body.dataset.testAccuracy) >= target ||
      ['done', 'error', 'paused'].includes(document.body.dataset.state), TTA_TARGET, { timeout: budgetS * 1000, polling: 50 });
  } catch { /* out of budget: reported below */ }
  const seconds = (Date.now() - t0) / 1000;
  const accuracy = Number(await page.evaluate(() => document.body.dataset.testAccuracy));
  const step = Number(await page.textContent('#step'));
  return { backend, reached: accuracy >= TTA_TARGET, seconds, accuracy, step };
}

async function main() {
  const result = { bench: 'browser', quick: QUICK, commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    command: `node tools/bench.mjs ${argv.join(' ')}`.trim(), started: new Date().toISOString() };
  result.sizes = await sizes();
  const lab = await launch({ webgpu: true });
  try {
    await lab.page.goto(lab.url + 'bench.html');
    await lab.page.waitForFunction(() => document.getElementById('status').textContent === 'ready', null, { timeout: 60_000 });
    result.env = await lab.page.evaluate(() => globalThis.benchEnv());
    result.cells = [];
    for (const w of WORKLOADS) {
      for (const p of PATHS) {
        const cell = { ...p, student: w.student, batch: w.batch, seconds: SECONDS };
        const t0 = Date.now();
        let r;
        try {
          r = await withTimeout(lab.page.evaluate((c) => globalThis.benchCell(c), cell), CELL_TIMEOUT_MS, label(p));
        } catch (e) {
          // A cell that overran leaves its work queued in the page: continue in a fresh page.
          r = { error: e.message };
          await lab.page.goto(lab.url + 'bench.html');
          await lab.page.waitForFunction(() => document.getElementById('status').textContent === 'ready', null, { timeout: 60_000 });
        }
        result.cells.push({ workload: w.name, ...p, ...r, wallSeconds: (Date.now() - t0) / 1000 });
        const rate = r.stepsPerSecond ? `${r.stepsPerSecond.toFixed(1)} steps/s` : r.error;
        console.log(`${w.name.padEnd(20)} ${label(p).padEnd(20)} ${rate}`);
      }
    }
    result.calls = [];
    for (const impl of ['ours', 'tfjs']) {
      const cell = { impl, backend: 'webgpu', student: 'mlp:128', batch: 64, seconds: 0, count: true };
      const r = await withTimeout(lab.page.evaluate((c) => globalThis.benchCell(c), cell), CELL_TIMEOUT_MS, `${impl} counts`)
        .catch((e) => ({ error: e.message }));
      result.calls.push({ impl, workload: 'mlp-128-b64', ...r });
    }
  } finally {
    await lab.close();
  }
  result.timeToAccuracy = [];
  result.pageLoad = [];
  for (const webgpu of [false, true]) {
    const tl = await launch({ webgpu });
    try {
      const load = await pageLoad(tl, webgpu);
      result.pageLoad.push({ webgpu, ...load });
      if (load.state !== 'ready') throw new Error(`page went to ${load.state}`);
      result.timeToAccuracy.push(await timeToAccuracy(tl, QUICK ? 60 : 300));
    } catch (e) {
      result.timeToAccuracy.push({ webgpu, error: e.message });
    } finally {
      await tl.close();
    }
  }
  result.wallSeconds = (Date.now() - Date.parse(result.started)) / 1000;
  await mkdir(OUT, { recursive: true });
  await writeFile(join(OUT, 'browser.json'), JSON.stringify(result, null, 2) + '\n');
  report(result);
  console.log(`wrote ${join(OUT, 'browser.json')}`);
}

function report(r) {
  const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
  for (const s of r.sizes.wasm) console.log(`\n${s.file}: ${mb(s.raw)} raw, ${mb(s.gzip)} gzip -9, ${mb(s.brotli)} brotli`);
  console.log(`JS: ${mb(r.sizes.js)} raw`);
  for (const l of r.pageLoad) {
    console.log(`page before Start (${l.webgpu ? 'WebGPU' : 'no WebGPU'}): ${mb(l.bytes)} received in ${l.requests} ` +
      `requests, ready after ${l.seconds.toFixed(1)} s`);
  }
  console.log('\nsteps/s (ratio = distill-lab / TF.js on the same workload)');
  for (const w of new Set(r.cells.map((c) => c.workload))) {
    const rate = (impl, backend) => r.cells.find((c) => c.workload === w && c.impl === impl && c.backend === backend)?.stepsPerSecond;
    const cells = PATHS.map((p) => `${label(p)} ${rate(p.impl, p.backend)?.toFixed(1) ?? '–'}`);
    const ratio = (a, b) => (rate('ours', a) && rate('tfjs', b) ? (rate('ours', a) / rate('tfjs', b)).toFixed(2) : '–');
    console.log(`${w}: ${cells.join(' · ')}\n    cpu/tfjs-wasm ${ratio('cpu', 'wasm')}×, webgpu/tfjs-webgpu ${ratio('webgpu', 'webgpu')}×`);
  }
  for (const c of r.calls) console.log(`WebGPU calls per step, ${c.impl}: ${JSON.stringify(c.calls ?? c.error)}`);
  for (const t of r.timeToAccuracy) {
    console.log(t.error ? `time to 97 %: ${t.error}` :
      `time to 97 % on ${t.backend}: ${t.reached ? `${t.seconds.toFixed(1)} s` : `not reached in ${t.seconds.toFixed(0)} s`} ` +
      `(accuracy ${(t.accuracy * 100).toFixed(2)} % at step ${t.step})`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
