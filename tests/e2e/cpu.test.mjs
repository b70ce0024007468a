// The CPU (wasm) path in real Chromium without WebGPU: requestAdapter() returns null there, so the page must fall
// back to the CPU, say why, and distil a student to a real accuracy. Also: bad links, pause/resume, narrow screens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClean, copyToDocs, launch, screenshot, waitForState, waitForSteps } from './helpers.mjs';

const RUN = '#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=1&seed=1&eval=200';

test('CPU fallback: distils MNIST to >= 95% with pause and resume on the way', { timeout: 300_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;

  await page.goto(lab.url + RUN);
  await waitForState(page, 'ready', 120_000);
  assert.match(await page.textContent('#backend'), /CPU/);
  assert.match(await page.textContent('#backend-reason'), /adapter|navigator\.gpu|WebGPU/i);
  assert.equal(await page.getAttribute('#backend-badge', 'data-backend'), 'cpu');
  assert.match(await page.textContent('#teacher-accuracy'), /^\d+\.\d\d%$/);

  await page.click('#btn-start');
  await waitForSteps(page, 50, 60_000);

  // Pause stops training after the current chunk; Resume continues from there.
  await page.click('#btn-pause');
  await waitForState(page, 'paused', 30_000);
  const pausedAt = Number(await page.textContent('#step'));
  await page.waitForTimeout(1500);
  assert.equal(Number(await page.textContent('#step')), pausedAt, 'no steps while paused');
  await page.click('#btn-pause'); // now labelled Resume
  await waitForState(page, ['running', 'done'], 10_000);
  await waitForSteps(page, pausedAt + 1, 60_000);

  const info = await waitForState(page, 'done', 240_000);
  await page.waitForTimeout(300); // let the last chart frame paint
  const shot = await screenshot(page, 'cpu-done.png');
  const accuracyText = await page.textContent('#final-accuracy');
  assert.match(accuracyText, /^\d+\.\d\d%$/);
  const accuracy = Number(accuracyText.replace('%', ''));
  const errors = Number(await page.textContent('#final-errors'));
  assert.ok(accuracy >= 95, `final accuracy ${accuracyText} (${JSON.stringify(info)})`);
  assert.ok(Math.abs(errors - Math.round((100 - accuracy) * 100)) <= 1, `${errors} errors vs ${accuracyText}`);
  assert.equal(Number(await page.textContent('#step')), Number(await page.textContent('#total-steps')));
  assert.equal(await page.textContent('#total-steps'), String(Math.ceil(60000 / 64)));

  await copyToDocs(shot, 'screenshot.png');
  // Without a WebGPU adapter the page loads the CPU-only build, and only that one.
  const wasmFiles = [...lab.log.requests].filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasmFiles, ['/pkg-cpu/distill_lab_bg.wasm']);
  assertClean(assert, lab);
});

test('a bad link shows notices as text and the page stays usable, also 390 px wide', { timeout: 300_000 }, async (t) => {
  const lab = await launch({ viewport: { width: 390, height: 844 } });
  t.after(() => lab.close());
  const { page } = lab;

  const hostile = '#dataset=mnist&hidden=128&alpha=abc&tau=999&<img src=x onerror="window.__xss=1">=1&batch=64' +
    '&epochs=1&eval=100&backend=cpu';
  await page.goto(lab.url + hostile);
  await waitForState(page, 'ready', 120_000);

  const notices = await page.$$eval('#notices li', (lis) => lis.map((li) => li.textContent));
  assert.ok(notices.some((n) => /alpha/.test(n) && /abc/.test(n)), JSON.stringify(notices));
  assert.ok(notices.some((n) => /tau/.test(n) && /20/.test(n)), JSON.stringify(notices));
  assert.ok(notices.some((n) => /<img/.test(n)), 'the unknown key is shown as text');
  assert.equal(await page.$$eval('#notices img, #notices script', (els) => els.length), 0, 'no markup injected');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.inputValue('#in-tau'), '20');
  assert.equal(await page.inputValue('#in-alpha'), '0.5');
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /tau=20/);
  assert.match(hash, /backend=cpu/);
  assert.match(await page.textContent('#backend-reason'), /backend=cpu/);

  // The form is keyboard-operable and goes through the same State: an out-of-range α is clamped with a notice.
  await page.focus('#in-alpha');
  await page.fill('#in-alpha', '7');
  await page.keyboard.press('Tab');
  assert.equal(await page.inputValue('#in-alpha'), '1');
  assert.match(await page.evaluate(() => location.hash), /alpha=1(&|$)/);
  assert.match(await page.textContent('#notices li:first-child'), /alpha/);

  // Still usable: a short run starts, reaches its first evaluation, and Reset returns to ready.
  assert.equal(await page.isEnabled('#btn-start'), true);
  await page.click('#btn-start');
  await waitForSteps(page, 100, 60_000);
  await page.click('#btn-reset');
  await waitForState(page, 'ready', 30_000);
  assert.equal(await page.isEnabled('#btn-start'), true);

  // Nothing overflows sideways on a phone-sized screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the 390px viewport`);
  await screenshot(page, 'mobile-390.png');
  assertClean(assert, lab);
});
