// The published build (issue 17): dist/ under a subpath of a plain static server (Python's http.server: no special
// headers, no compression), in real Chromium without WebGPU. First visit: the lab loads within the byte budget, trains
// on the CPU, shows a view, exports, and says when it is ready to work offline. Then the server stops and the browser
// goes offline: the page reloads from the service worker and trains, with nothing from the network. Then a changed
// build is deployed: the next visit runs only the new version and the old cache is gone. And the CSP watch catches a
// violation. The test builds its own two dist folders (tools/dist.mjs --stamp A / B) in a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../tools/dist.mjs';
import { assertClean, openBrowser, requireBuild, ROOT, screenshot, waitForState, watchCsp } from './helpers.mjs';
import { pythonServer, recordResponses } from './static-host.mjs';

const RUN = '#dataset=mnist&hidden=32&epochs=1&batch=256&limit=2000&eval=0&race=off&backend=auto';
const BUDGET = 15e6; // bytes before Start on a first visit
const EN = JSON.parse(await readFile(join(ROOT, 'www', 'i18n', 'en.json'), 'utf8'));

/** Polls `fn` in the page through reloads (a navigation destroys the context an evaluation runs in). */
async function waitThroughReloads(page, fn, arg, timeout) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await page.evaluate(fn, arg).catch((e) => `(${e.message.split('\n')[0]})`);
    if (last === true) return;
    await page.waitForTimeout(250);
  }
  const now = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker?.getRegistration();
    const el = document.getElementById('offline-status');
    return { build: document.documentElement.dataset.build, state: document.body.dataset.state,
      offline: el && `${el.dataset.offline}: ${el.textContent}`, controller: navigator.serviceWorker?.controller?.scriptURL,
      workers: reg && ['installing', 'waiting', 'active'].map((k) => `${k} ${reg[k]?.state ?? '-'}`).join(', ') };
  }).catch((e) => e.message);
  throw new Error(`not reached in ${timeout} ms; last: ${JSON.stringify(last)}; page: ${JSON.stringify(now)}`);
}

/** A new visit: leave the page, then open the link again (the same link alone would only change its hash). */
async function revisit(page, url) {
  await page.goto('about:blank');
  await page.goto(url);
}

async function offlineLine(page) {
  return page.evaluate(() => {
    const el = document.getElementById('offline-status');
    return el && { state: el.dataset.offline, text: el.textContent, hidden: el.hidden };
  });
}

async function train(page) {
  await page.click('#btn-start');
  await waitForState(page, 'done', 120_000);
  const accuracy = await page.textContent('#final-accuracy');
  assert.match(accuracy, /\d/, 'a final accuracy');
  return accuracy;
}

test('dist/ on a plain static server under a subpath: the lab, offline, an update', { timeout: 600_000 }, async (t) => {
  requireBuild();
  const tmp = await mkdtemp(join(tmpdir(), 'distill-lab-dist-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  const [a, b] = [await build({ out: join(tmp, 'A'), stamp: 'A' }), await build({ out: join(tmp, 'B'), stamp: 'B' })];
  assert.notEqual(a.id, b.id);
  const site = join(tmp, 'site');
  await mkdir(site);
  await symlink(a.out, join(site, 'distill-lab'));
  let server = await pythonServer(site);
  t.after(() => server.stop());
  const origin = `http://127.0.0.1:${server.port}`;
  const base = `${origin}/distill-lab/`;

  const lab = await openBrowser({ origin });
  t.after(() => lab.close());
  const { page, context } = lab;
  const cspViolations = await watchCsp(page);

  await t.test('first visit: loads, trains on the CPU, a view, an export, then ready offline', async () => {
    const responses = recordResponses(context);
    await page.goto(base + RUN);
    await waitForState(page, 'ready', 120_000);
    assert.match(await page.textContent('#backend'), /CPU/);
    assert.equal(await page.getAttribute('meta[name="distill-lab-build"]', 'content'), a.id);
    const readyAt = Number(await page.evaluate(() => document.body.dataset.readyAt));
    const before = responses.list.filter((r) => r.start < readyAt);
    const bytes = before.reduce((s, r) => s + r.bytes, 0);
    t.diagnostic(`first visit, bytes before Start: ${(bytes / 1e6).toFixed(2)} MB in ${before.length} responses`);
    assert.ok(bytes <= BUDGET, `${bytes} bytes before Start (budget ${BUDGET})`);
    assert.ok(before.some((r) => /pkg-cpu\/distill_lab_bg\.[0-9a-f]{10}\.wasm\.gz$/.test(r.url)), 'the packed CPU build');

    // A view: the dark-knowledge matrix's most alike pairs come from a query to the worker.
    await page.waitForFunction(() => document.querySelectorAll('#dark-pairs li').length > 0, null, { timeout: 60_000 });
    await train(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.ok(exported && typeof exported === 'object' && Object.keys(exported).length > 0, 'an exported JSON');

    await page.waitForFunction(() => document.getElementById('offline-status')?.dataset.offline === 'ready', null,
      { timeout: 120_000 });
    const line = await offlineLine(page);
    assert.equal(line.text, EN.offline.ready);
    assert.equal(line.hidden, false);
    const caches = await page.evaluate(() => caches.keys());
    assert.deepEqual(caches, [`distill-lab /distill-lab/ ${a.id}`]);
    responses.stop();
    const total = responses.list.reduce((s, r) => s + r.bytes, 0);
    t.diagnostic(`first visit, all bytes (page and offline copy): ${(total / 1e6).toFixed(2)} MB`);
    await screenshot(page, 'dist-first-visit.png');
    assertClean(assert, lab);
    assert.deepEqual(await cspViolations(), []);
  });

  await t.test('second visit, offline with the server stopped: loads and trains, 0 bytes from the network', async () => {
    await server.stop();
    await context.setOffline(true);
    const responses = recordResponses(context);
    await revisit(page, base + RUN);
    await waitForState(page, 'ready', 120_000);
    assert.equal((await offlineLine(page)).state, 'ready');
    await train(page);
    responses.stop();
    assert.deepEqual(responses.failed, [], 'requests that failed');
    const network = responses.list.filter((r) => !r.fromServiceWorker);
    assert.deepEqual(network.map((r) => r.url), [], 'responses from the network');
    assert.ok(responses.list.length > 10, `${responses.list.length} responses, all from the service worker`);
    assertClean(assert, lab);
    assert.deepEqual(await cspViolations(), []);
    await context.setOffline(false);
  });

  await t.test('a changed build deployed: the next visit runs only the new version', async () => {
    await rm(join(site, 'distill-lab'));
    await symlink(b.out, join(site, 'distill-lab'));
    server = await pythonServer(site, Number(new URL(origin).port));
    let loads = 0;
    const onLoad = () => { if (page.url().startsWith(base)) loads += 1; };
    page.on('load', onLoad);
    const responses = recordResponses(context);
    await revisit(page, base + RUN);
    // The old version opens from its cache, saves the new one, hands over and reloads into it.
    await waitThroughReloads(page, (id) => document.documentElement.dataset.build === id &&
      document.querySelector('meta[name="distill-lab-build"]')?.content === id, b.id, 120_000);
    await waitForState(page, 'ready', 120_000);
    assert.deepEqual(await page.evaluate(() => caches.keys()), [`distill-lab /distill-lab/ ${b.id}`]);
    await waitThroughReloads(page, () => document.getElementById('offline-status')?.dataset.offline === 'ready',
      undefined, 30_000);
    // The page's modules are the new version's: assets.js (which the worker imports too) has B's manifest.
    assert.equal(await page.evaluate(async () => (await import('./assets.js')).BUILD.id), b.id);
    await train(page);
    page.off('load', onLoad);
    responses.stop();
    assert.equal(loads, 2, 'the old version, then the reload into the new one');
    // After the reload, everything came from the new version's cache (the update checks aside).
    const reloadedAt = Math.max(...responses.list.filter((r) => r.url === base).map((r) => r.start));
    const network = responses.list.filter((r) => r.start >= reloadedAt && !r.fromServiceWorker &&
      !/\/(sw\.js(\?.*)?|build\.json)$/.test(r.url));
    assert.deepEqual(network.map((r) => r.url), [], 'from the network after the reload');
    assertClean(assert, lab);
    assert.deepEqual(await cspViolations(), []);
  });

  await t.test('a CSP violation is caught', async () => {
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'https://example.invalid/x.png'; // img-src 'self' forbids it: blocked before any request
      document.body.append(img);
    });
    await page.waitForFunction(() => (window.__cspViolations || []).length > 0, null, { timeout: 10_000 });
    const violations = await cspViolations();
    assert.match(violations[0], /^img-src blocked https:\/\/example\.invalid/);
  });
});
