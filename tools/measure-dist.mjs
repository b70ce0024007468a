#!/usr/bin/env node
// What the published build costs a visitor, as the README reports it: dist/ served under a subpath by Python's
// http.server (no compression), opened in headless Chromium without a WebGPU adapter, and with one (SwiftShader) and
// backend=webgpu in the link (the page's default, auto, trains on the CPU build).
//
//   node tools/measure-dist.mjs [--dir dist]      (make dist first)
//
// For each: bytes received before Start can be pressed (requests started before the worker said "ready"), all bytes
// of the first visit once the page says it is ready to work offline (the offline copy included), and a second visit
// with the server stopped and the browser offline (bytes from the network: must be 0). Prints one JSON object.
import { mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openBrowser } from '../tests/e2e/helpers.mjs';
import { pythonServer, recordResponses } from '../tests/e2e/static-host.mjs';

const argv = process.argv.slice(2);
const DIR = resolve(argv.includes('--dir') ? argv[argv.indexOf('--dir') + 1] : 'dist');
const RUN = '#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=3&seed=1&eval=100&race=0';

async function du(dir) {
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    bytes += e.isDirectory() ? await du(p) : (await stat(p)).size;
  }
  return bytes;
}

const state = (page, wanted) => page.waitForFunction((w) => w.includes(document.body.dataset.state), wanted,
  { timeout: 300_000, polling: 200 });

async function visit(webgpu) {
  const site = await mkdtemp(join(tmpdir(), 'distill-lab-measure-'));
  await symlink(DIR, join(site, 'distill-lab'));
  const server = await pythonServer(site);
  const origin = `http://127.0.0.1:${server.port}`;
  const lab = await openBrowser({ webgpu, origin });
  try {
    const { page, context } = lab;
    const first = recordResponses(context);
    const link = `${origin}/distill-lab/${RUN}${webgpu ? '&backend=webgpu' : ''}`;
    await page.goto(link);
    await state(page, ['ready', 'error']);
    const readyAt = Number(await page.evaluate(() => document.body.dataset.readyAt));
    const backend = `${await page.textContent('#backend')}: ${await page.textContent('#backend-reason')}`;
    await page.waitForFunction(() => ['ready', 'failed'].includes(document.getElementById('offline-status')?.dataset.offline),
      null, { timeout: 300_000 });
    await page.waitForTimeout(500);
    first.stop();
    const largest = first.list.filter((r) => r.start < readyAt).sort((a, b) => b.bytes - a.bytes).slice(0, 5)
      .map((r) => ({ path: new URL(r.url).pathname, bytes: r.bytes }));

    await server.stop();
    await context.setOffline(true);
    const second = recordResponses(context);
    await page.goto('about:blank'); // a new visit (the same link alone would only change the hash)
    await page.goto(link);
    await state(page, ['ready', 'error']);
    await page.waitForTimeout(1500); // the after-ready downloads (the teacher's network, the second teacher)
    second.stop();
    return {
      webgpu, backend,
      beforeStart: first.networkBytes(readyAt),
      firstVisit: first.networkBytes(),
      offline: await page.evaluate(() => document.getElementById('offline-status')?.dataset.offline),
      largestBeforeStart: largest,
      secondVisitOffline: { state: await page.evaluate(() => document.body.dataset.state),
        networkBytes: second.networkBytes(), responses: second.list.length, failed: second.failed },
    };
  } finally {
    await lab.close();
    await server.stop();
    await rm(site, { recursive: true, force: true });
  }
}

const result = { dir: DIR, distBytes: await du(DIR), visits: [] };
for (const webgpu of [false, true]) result.visits.push(await visit(webgpu));
console.log(JSON.stringify(result, null, 2));
