// Each distillation method can be chosen in the page and trains there (CPU path); a method the dataset cannot run is
// refused with a message, and the page stays usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS, assertClean, cli, copyToDocs, launch, waitForState } from './helpers.mjs';

const BASE = '#dataset=mnist&hidden=32&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=1&limit=3000&eval=0&race=off&seed=1';

async function runOnce(page) {
  await page.click('#btn-start');
  await waitForState(page, 'done', 120_000);
  return Number((await page.textContent('#final-accuracy')).replace('%', ''));
}

test('every method, optimizer and schedule is selectable and trains in the page', { timeout: 400_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + BASE);
  await waitForState(page, 'ready', 120_000);
  const settings = [
    ['hinton', {}, /Hinton et al\. 2015/],
    ['hinton', { tent: '1.5' }, /entropy-matched/],
    ['hinton', { ramp: 'cosine', tauend: '1' }, /Hinton/],
    ['hinton', { opt: 'lion', sched: 'cosine', warmup: '0.1' }, /Hinton/],
    ['hinton', { opt: 'sgd', lr: '0.05', sched: 'step', warmup: '0.05' }, /Hinton/],
    ['dkd', { dkdb: '8' }, /Decoupled KD/],
    ['multi-average', {}, /mean of their/],
    ['multi-confidence', {}, /by confidence|speaks louder/],
    ['fitnets', {}, /regressor/],
    ['fitnets-two-stage', {}, /first 30 %/],
    ['rkd', {}, /distances/],
    ['adversarial', {}, /discriminator D/],
    ['attention', { arch: 'cnn', hidden: '8,16,64' }, /Attention transfer/],
    ['fsp', { arch: 'cnn', hidden: '32,64,32' }, /FSP matrices/],
  ];
  for (const [method, extra, info] of settings) {
    await page.selectOption('#in-method', method);
    for (const [key, value] of Object.entries(extra)) {
      const el = page.locator(`#in-${key}`);
      if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
      else {
        await el.fill(value);
        await el.press('Tab');
      }
    }
    assert.match(await page.textContent('#method-info'), info);
    assert.equal(await page.isVisible('#in-dkdb'), method === 'dkd', 'DKD β shows only for DKD');
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, new RegExp(`method=${method}(&|$)`));
    for (const [key, value] of Object.entries(extra)) assert.match(hash, new RegExp(`${key}=${value}(&|$)`));
    const accuracy = await runOnce(page);
    // Only adversarial runs show the discriminator's accuracy, one point per step.
    assert.equal(await page.isVisible('#disc-figure'), method === 'adversarial', method);
    // Chance is 10 %; after 47 steps every method is far above it (DKD, warming up, is the slowest).
    assert.ok(accuracy >= 50, `${method} ${JSON.stringify(extra)}: ${accuracy}%`);
    // Back to the plain settings for the next method (a real reload: a new hash alone would not reload).
    await page.goto('about:blank');
    await page.goto(lab.url + BASE);
    await waitForState(page, 'ready', 120_000);
  }
  assertClean(assert, lab);
});

test('a multi-teacher method on Fashion-MNIST is refused with a reason; the page stays usable', { timeout: 200_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + BASE.replace('dataset=mnist', 'dataset=fashion') + '&method=multi-average');
  await waitForState(page, 'ready', 120_000);
  await page.click('#btn-start');
  await waitForState(page, 'error', 30_000);
  assert.match(await page.textContent('#status'), /second teacher/);
  await page.selectOption('#in-method', 'hinton');
  assert.ok(await runOnce(page) >= 60);
});

test('quantization-aware KD in the page: integer students, their table and the int8 file', { timeout: 200_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + BASE.replace('race=off', 'race=on'));
  await waitForState(page, 'ready', 120_000);
  assert.equal(await page.isVisible('#in-bits'), false, 'bits show only for QAT');
  await page.selectOption('#in-method', 'qat');
  assert.match(await page.textContent('#method-info'), /Quantization-aware/);
  await page.fill('#in-bits', '4');
  await page.press('#in-bits', 'Tab');
  assert.match(await page.evaluate(() => location.hash), /method=qat.*bits=4|bits=4.*method=qat/);
  assert.ok(await runOnce(page) >= 50);
  await page.waitForSelector('#int8-wrap:not([hidden])');
  const rows = await page.$$eval('#int8-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows.length, 2, JSON.stringify(rows));
  assert.match(rows[0][0], /Distilled student, int4 \(quantization-aware\)/);
  assert.match(rows[1][0], /Hard-label student, int4 \(post-training\)/);
  for (const r of rows) {
    assert.ok(Number(r[1].replace('%', '')) > 30, r.join(' | '));
    const share = Number(/= ([\d.]+)% of float/.exec(r[4])[1]);
    assert.ok(share > 20 && share < 27, r[4]);
  }
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-int8')]);
  assert.equal(dl.suggestedFilename(), 'distill-lab-distilled-student-int4.safetensors');
  const path = await dl.path();
  const bytes = await readFile(path);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  assert.equal(header.__metadata__.format, 'distill-lab-int8/1');
  assert.equal(header['layers.0.weight'].dtype, 'I8');
  // Read back natively, the integer student makes exactly the errors the page reported.
  const native = JSON.parse(cli(['evaluate', '--dataset', 'mnist', '--json', '--weights', path]));
  assert.equal(native.bits, 4);
  assert.equal(native.report.testErrors, Number(rows[0][2]));
  assertClean(assert, lab);
});

test('data-free distillation in the page: a live grid of generated images, accuracy on the real test set', { timeout: 300_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  // 100 steps of 64 generated images; the 6,400-example "limit" only sets the run's length.
  await page.goto(lab.url + BASE.replace('hidden=32', 'hidden=64').replace('limit=3000', 'limit=6400')
    .replace('eval=0', 'eval=50') + '&method=data-free');
  await waitForState(page, 'ready', 120_000);
  assert.match(await page.textContent('#method-info'), /no training image reaches the student/);
  const accuracy = await runOnce(page);
  assert.ok(await page.isVisible('#gen-figure'));
  assert.equal(await page.getAttribute('#gen-figure', 'data-step'), '100', 'the grid is redrawn at the end');
  // The grid holds 20 images that are neither blank nor uniform.
  const { mean, spread } = await page.evaluate(() => {
    const c = document.getElementById('gen-grid');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0, sq = 0;
    for (let i = 0; i < d.length; i += 4) { sum += d[i]; sq += d[i] * d[i]; }
    const n = d.length / 4, m = sum / n;
    return { mean: m, spread: Math.sqrt(sq / n - m * m) };
  });
  assert.ok(mean > 3 && mean < 230 && spread > 20, `grid mean ${mean}, spread ${spread}`);
  const shot = join(ARTIFACTS, 'view-data-free.png');
  await page.locator('#gen-figure').screenshot({ path: shot });
  await copyToDocs(shot, 'view-data-free.png');
  // Chance is 10 %; the generator's images teach real digits (natively 58 % after 200 steps).
  assert.ok(accuracy >= 25, `data-free: ${accuracy}% on the real test set`);
  assertClean(assert, lab);
});

test('progressive distillation: the layer mapping is drawn, edited, checked, and used by the run', { timeout: 300_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + BASE.replace('hidden=32', 'hidden=128,64').replace('limit=3000', 'limit=6400') +
    '&method=progressive');
  await waitForState(page, 'ready', 120_000);
  assert.ok(await page.isVisible('#lmap-field'));
  // Automatic: student 1 (dense 128) ← teacher 2 (conv 64), student 2 (dense 64) ← teacher 3 (dense 256).
  assert.equal(await page.inputValue('#in-lmap-1'), '2');
  assert.equal(await page.inputValue('#in-lmap-2'), '3');
  assert.equal(await page.inputValue('#in-lmap'), 'auto');
  assert.match(await page.getAttribute('#lmap-svg', 'aria-label'),
    /1: teacher 2 \(conv 64\) → student 1 \(dense 128\); 2: teacher 3 \(dense 256\) → student 2 \(dense 64\); 3: outputs/);
  // Edited with the selects: written to the text field and the link.
  await page.selectOption('#in-lmap-1', '1');
  assert.equal(await page.inputValue('#in-lmap'), '1:1,3:2');
  assert.match(await page.evaluate(() => location.hash), /lmap=1:1,3:2(&|$)/);
  // A mapping that goes backwards is flagged at once, and the run refuses it with the reason.
  await page.selectOption('#in-lmap-2', '1');
  assert.match(await page.textContent('#lmap-note'), /cannot run: pairs go from shallow to deep/);
  await page.click('#btn-start');
  await waitForState(page, 'error', 30_000);
  assert.match(await page.textContent('#status'), /shallow to deep/);
  // Typed as text, then trained: the run reports the mapping it used.
  await page.fill('#in-lmap', '1:1,3:2');
  await page.press('#in-lmap', 'Tab');
  assert.equal(await page.inputValue('#in-lmap-2'), '3');
  const accuracy = await runOnce(page);
  assert.equal(await page.getAttribute('#lmap-field', 'data-used'), '1:1,3:2');
  assert.match(await page.textContent('#lmap-note'), /This run distils 1:1,3:2/);
  assert.ok(accuracy >= 50, `progressive: ${accuracy}%`);
  const shot = join(ARTIFACTS, 'view-layer-map.png');
  await page.locator('#lmap-field').screenshot({ path: shot });
  await copyToDocs(shot, 'view-layer-map.png');
  assertClean(assert, lab);
});
