// The teaching views in real Chromium (CPU path): temperature explorer (gallery, τ slider, drawing pad), the
// dark-knowledge matrix (equal to the CLI's), why τ², the race (identical start and batches), confusion matrices,
// and every export (JSON, CSV, PNG, safetensors read back natively). Each view leaves a screenshot in artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS, assertClean, cli, copyToDocs, launch, waitForState } from './helpers.mjs';

const RUN = '#dataset=mnist&hidden=64&alpha=0.5&tau=4&lr=0.003&batch=128&epochs=1&seed=3&eval=235&race=on&vtau=4';

/** Clicks `selector`, which starts a download; returns the downloaded file's path (under artifacts/). */
async function download(page, selector, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = join(ARTIFACTS, name);
  await dl.saveAs(path);
  return path;
}

async function shoot(page, selector, name) {
  const path = join(ARTIFACTS, name);
  await page.locator(selector).screenshot({ path });
  await copyToDocs(path, name);
}

const caption = (page) => page.textContent('#inspect-caption');

test('teaching views on MNIST: explorer, matrix = CLI, why τ², race, confusion, exports', { timeout: 400_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + RUN);
  await waitForState(page, 'ready', 120_000);

  // Explorer: the gallery is filled, test image #0 (a 7) is inspected at τ = 4.
  await page.waitForFunction(() => /teacher says/.test(document.getElementById('inspect-caption').textContent));
  assert.equal(await page.locator('#gallery .thumb').count(), 10 + 6 + 6);
  assert.match(await caption(page), /^test image #0 \(label: 7\): the teacher says 7 \(\d+\.\d% at τ = 4\.00/);
  const entropyAt = async () => Number((await caption(page)).match(/entropy (\d+\.\d+) bits/)[1]);
  const e4 = await entropyAt();
  // The slider is keyboard-operable: End moves τ to 20, which flattens the distribution.
  await page.focus('#in-vtau');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /τ = 20\.00/.test(document.getElementById('inspect-caption').textContent));
  assert.match(await page.evaluate(() => location.hash), /vtau=20(&|$)/);
  assert.ok((await entropyAt()) > e4 + 1, `entropy at τ=20 vs ${e4}`);
  await page.keyboard.press('Home');
  await page.waitForFunction(() => /τ = 0\.50/.test(document.getElementById('inspect-caption').textContent));
  assert.ok((await entropyAt()) < e4, 'τ = 0.5 sharpens the distribution');
  // Another gallery image: the "most ambiguous" row's first one is written into the link.
  const ambiguous = page.locator('#gallery .thumbs').nth(2).locator('.thumb').first();
  const index = await ambiguous.getAttribute('data-index');
  await ambiguous.click();
  await page.waitForFunction((i) => document.getElementById('inspect-caption').textContent.startsWith(`test image #${i} `), index);
  assert.match(await page.evaluate(() => location.hash), new RegExp(`ex=${index}(&|$)`));
  // Back to τ = 4 by the link, then a drawing: a test image copied onto the pad is recognised after preprocessing.
  await page.evaluate(() => { location.hash = location.hash.replace(/vtau=[^&]*/, 'vtau=4').replace(/ex=\d+/, 'ex=0'); });
  await page.waitForFunction(() => /^test image #0 .*τ = 4\.00/.test(document.getElementById('inspect-caption').textContent));
  await page.click('#pad-sample');
  await page.waitForFunction(() => /^your drawing: the teacher says 7/.test(document.getElementById('inspect-caption').textContent));
  // A stroke drawn with the mouse: a vertical bar is read as a 1.
  await page.click('#pad-clear');
  const pad = await page.locator('canvas.drawpad').boundingBox();
  await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.15);
  await page.mouse.down();
  for (let k = 1; k <= 10; k++) await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * (0.15 + 0.07 * k));
  await page.mouse.up();
  await page.waitForFunction(() => /^your drawing: the teacher says 1 /.test(document.getElementById('inspect-caption').textContent), null,
    { timeout: 10_000 }).catch(async (e) => assert.fail(`drawn bar: ${await caption(page)} (${e.message})`));
  await shoot(page, '#explorer', 'view-explorer.png');

  // Dark-knowledge matrix at τ = 4 equals the CLI's within 1e-4; 4 ↔ 9 are the most alike digits.
  await page.waitForFunction(() => document.getElementById('dark-matrix').dataset.tau === '4', null, { timeout: 10_000 })
    .catch(async () => assert.fail(`matrix τ ${await page.getAttribute('#dark-matrix', 'data-tau')}, ${await page.evaluate(() => location.hash)}`));
  const csv = await readFile(await download(page, '#dark-csv', 'dark-knowledge.csv'), 'utf8');
  const pageMatrix = csv.trim().split(/\r?\n/).slice(1).flatMap((line) => line.split(',').slice(1).map(Number));
  const native = JSON.parse(cli(['analyze', 'similarity', '--dataset', 'mnist', '--tau', '4', '--json']));
  assert.equal(pageMatrix.length, 100);
  native.matrix.forEach((v, i) => assert.ok(Math.abs(v - pageMatrix[i]) <= 1e-4, `cell ${i}: page ${pageMatrix[i]} vs CLI ${v}`));
  assert.match(await page.textContent('#dark-pairs li:first-child'), /^4 ↔ 9/);
  // Keyboard: focus the matrix, an arrow key selects a cell and shows its example images.
  await page.focus('#dark-matrix canvas');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelectorAll('#dark-examples canvas').length === 3);
  assert.match(await page.textContent('#dark-cell'), /^true 0 → 2: \d+\.\d\d% on average at τ = 4\.00/);
  await shoot(page, '#dark', 'view-dark-knowledge.png');

  // Why τ²: computed on a fresh student before any run.
  await page.waitForFunction(() => /shrinks/.test(document.getElementById('why-source').textContent));
  const why = await page.textContent('#why-source');
  const [, shrink, change] = why.match(/shrinks (\d+)×; with τ² it changes only (\d+\.\d+)×/);
  assert.ok(Number(shrink) > 5 && Number(change) < Number(shrink), why);
  await shoot(page, '#why-tau2', 'view-why-tau2.png');

  // The race.
  await page.click('#btn-start');
  await waitForState(page, 'done', 240_000);
  const rows = await page.$$eval('#race-table tbody tr', (trs) => trs.map((tr) => tr.dataset.model));
  assert.deepEqual(rows, ['teacher', 'distilled', 'baseline']);
  const fp = await page.textContent('#race-fingerprints');
  const [, i1, i2, b1, b2] = fp.match(/initial weights (\w+) \/ (\w+), batch order (\w+) \/ (\w+)/);
  assert.equal(i1, i2, fp);
  assert.equal(b1, b2, fp);
  assert.match(fp, /Identical ✓/);
  await page.waitForTimeout(400);
  await shoot(page, '#training', 'view-race.png');
  await shoot(page, '#race', 'view-race-table.png');
  await shoot(page, '#confusion', 'view-confusion.png');

  // Exports: JSON (with predictions), CSV, PNG, and weights that the native CLI reads to the same predictions.
  const results = JSON.parse(await readFile(await download(page, '#export-json', 'results.json'), 'utf8'));
  assert.match(results.link, /seed=3/);
  const d = results.students.distilled;
  const b = results.students.baseline;
  assert.equal(d.report.predictions.length, 10000);
  assert.equal(d.initFingerprint, b.initFingerprint);
  assert.ok(d.report.testAccuracy > 0.9 && b.report.testAccuracy > 0.9, `${d.report.testAccuracy} ${b.report.testAccuracy}`);
  assert.equal(d.report.confusion.reduce((s, v) => s + v, 0), 10000);
  assert.ok(results.evaluations.length >= 2);
  const table = (await readFile(await download(page, '#export-csv', 'results.csv'), 'utf8')).trim().split(/\r?\n/);
  assert.equal(table.length, 4);
  assert.match(table[0], /^model,test_accuracy,test_errors,agreement_with_teacher/);
  assert.match(table[2], new RegExp(`^distilled,${d.report.testAccuracy},${d.report.testErrors},`));
  const png = await readFile(await download(page, 'button[data-png="dark"]', 'dark.png'));
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const weights = await download(page, '#export-distilled', 'distilled.safetensors');
  const native2 = JSON.parse(cli(['evaluate', '--dataset', 'mnist', '--json', '--weights', weights]));
  assert.equal(native2.spec, 'mlp:64');
  const mismatches = native2.report.predictions.filter((p, i) => p !== d.report.predictions[i]).length;
  assert.equal(mismatches, 0, 'the exported weights predict natively what the page predicted');
  assert.equal(native2.report.testErrors, d.report.testErrors);

  // The export describes the run as started: a setting changed after it (the form unlocks) does not leak in.
  await page.fill('#in-tau', String(results.settings.tau + 3));
  await page.press('#in-tau', 'Enter');
  await page.waitForFunction((t) => new RegExp(`tau=${t}(&|$)`).test(location.hash), results.settings.tau + 3);
  const again = JSON.parse(await readFile(await download(page, '#export-json', 'results-again.json'), 'utf8'));
  assert.equal(again.settings.tau, results.settings.tau, 'the exported settings are the run\'s');
  assert.equal(again.link, results.link, 'the exported link is the run\'s');
  assertClean(assert, lab);
});

test('Fashion-MNIST views with class names, keyboard and a 390-px phone screen', { timeout: 300_000 }, async (t) => {
  const lab = await launch({ viewport: { width: 390, height: 844 } });
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + '#dataset=fashion&hidden=32&epochs=1&batch=256&eval=0&vtau=4&diag=show');
  await waitForState(page, 'ready', 120_000);
  await page.waitForFunction(() => /teacher says/.test(document.getElementById('inspect-caption').textContent));
  assert.match(await caption(page), /^test image #0 \(label: Ankle boot\)/);
  await page.waitForFunction(() => document.querySelectorAll('#dark-pairs li').length > 0);
  const pairs = await page.$$eval('#dark-pairs li', (lis) => lis.map((li) => li.textContent));
  assert.ok(pairs.slice(0, 3).some((p) => /T-shirt\/top ↔ Shirt/.test(p)), JSON.stringify(pairs));
  assert.equal(await page.isChecked('#in-diag'), true, 'diag=show from the link');
  const labels = await page.$$eval('#gallery .thumb', (bs) => bs.map((b) => b.getAttribute('aria-label')));
  assert.ok(labels.every((l) => /^test image #\d+, label [A-Za-z]/.test(l)), labels[0]);
  // Every control has a name, so it can be found by keyboard and screen-reader users.
  const unnamed = await page.$$eval('input, select, button', (els) => els
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
    .map((el) => el.id || el.outerHTML.slice(0, 60)));
  assert.deepEqual(unnamed, []);
  // Enter on a focused thumbnail inspects it.
  await page.focus('#gallery .thumb >> nth=3');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /^test image #\d+ \(label: Dress\)/.test(document.getElementById('inspect-caption').textContent));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the 390px viewport`);
  await page.screenshot({ path: join(ARTIFACTS, 'view-fashion-390.png'), fullPage: true });
  await copyToDocs(join(ARTIFACTS, 'view-fashion-390.png'), 'view-fashion-390.png');
  assertClean(assert, lab);
});
