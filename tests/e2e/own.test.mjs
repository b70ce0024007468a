// Your own data and your own teacher, in real Chromium on the CPU build (issue 19): a 26-class IDX set whose teacher
// is trained in the tab, distilled and exported (read back natively); a 2-class PNG zip with a teacher trained by the
// CLI; each bad teacher and bad archive refused with its message while what was loaded stays; files kept in the
// browser on request come back after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ARTIFACTS, assertClean, cli, launch, waitForState } from './helpers.mjs';
import { letters26, mnist, NAMES_26, pick, pngZip, writeIdxFolder } from './own-sets.mjs';

const RUN = '#dataset=mnist&hidden=64&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=2&seed=3&eval=0&race=off';

async function download(page, selector, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = join(ARTIFACTS, name);
  await dl.saveAs(path);
  return path;
}

const ownStatus = (page) => page.textContent('#own-status');
/** Waits for the own panel's status line to match `re`; returns it. */
async function waitOwn(page, re, timeout = 120_000) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('own-status').textContent),
    re.source, { timeout, polling: 200 });
  return ownStatus(page);
}
/** Waits for the own panel to show a refusal naming `file`; returns it. */
async function waitRefusal(page, file, timeout = 60_000) {
  await page.waitForFunction((f) => {
    const el = document.getElementById('own-status');
    return el.dataset.kind === 'error' && el.textContent.includes(f);
  }, file, { timeout, polling: 200 });
  return ownStatus(page);
}
const startEnabled = (page) => page.$eval('#btn-start', (b) => !b.disabled);

/** Starts a run with the form's settings and waits for its end; returns the exported results. */
async function distil(page, name) {
  await page.click('#btn-start');
  await waitForState(page, 'done', 240_000);
  return JSON.parse(await readFile(await download(page, '#export-json', `${name}-results.json`), 'utf8'));
}

test('26 classes from IDX files: a teacher trained in the tab, a student distilled and exported', { timeout: 600_000 }, async (t) => {
  const train = letters26(mnist('train', 6000));
  const testSet = letters26(mnist('t10k', 1000));
  const set = writeIdxFolder('letters26', train, testSet, NAMES_26);
  // `evaluate` compares a network with some teacher's logits: a quick one from the CLI.
  cli(['train-teacher', '--data', set.dir, '--arch', 'mlp:16', '--epochs', '1', '--out', set.dir, '--name', 'cli']);
  const evaluate = (weights) => JSON.parse(cli(['evaluate', '--data', set.dir, '--teacher',
    join(set.dir, 'cli.logits.safetensors'), '--weights', weights, '--json']));
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + RUN);
  await waitForState(page, 'ready', 120_000);
  await page.click('#own summary');

  await page.setInputFiles('#own-data-input', set.files);
  assert.match(await waitOwn(page, /26 classes/), /letters26: 6,000 training and 1,000 test images, 26 classes/);
  assert.equal(await page.$eval('#in-dataset', (s) => s.value), 'own');
  assert.equal(await startEnabled(page), false, 'no teacher yet: Start stays disabled');
  assert.match(page.url(), /dataset=own/);

  await page.selectOption('#own-arch', 'mlp:256');
  await page.fill('#own-epochs', '3');
  const t0 = Date.now();
  await page.click('#own-train');
  await waitForState(page, 'ready', 300_000);
  const line = await waitOwn(page, /in use/);
  const teacherAcc = Number(line.match(/(\d+\.\d+)%/)[1]) / 100;
  t.diagnostic(`teacher trained in the tab in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${line}`);
  assert.ok(teacherAcc > 0.7, line);
  assert.equal(await startEnabled(page), true);
  // Its soft labels were computed by helper workers (soft-labels.js), not on the lab's thread alone.
  assert.ok(Number(await page.$eval('#own-status', (e) => e.dataset.helpers)) >= 1);

  // The trained teacher's file, read natively on the same data, scores what the page said.
  const teacherFile = await download(page, '#own-download', 'letters26-teacher.safetensors');
  const native = evaluate(teacherFile);
  assert.equal(native.spec, 'mlp:256');
  assert.ok(Math.abs(native.report.testAccuracy - teacherAcc) < 0.0006, `${native.report.testAccuracy} vs ${teacherAcc}`);

  const results = await distil(page, 'letters26');
  const d = results.students.distilled;
  t.diagnostic(`distilled on 26 classes: ${d.report.testAccuracy}`);
  assert.ok(d.report.testAccuracy > 0.6, JSON.stringify(d.report.testAccuracy));
  assert.equal(d.report.confusion.length, 26 * 26);
  const weights = await download(page, '#export-distilled', 'letters26-student.safetensors');
  const back = evaluate(weights);
  assert.equal(back.spec, 'mlp:64');
  const mismatches = back.report.predictions.filter((p, i) => p !== d.report.predictions[i]).length;
  assert.ok(mismatches <= 1, `${mismatches} predictions differ natively`);

  // A feature method the teacher's architecture allows (FitNets: hidden layers) trains from it; one it does not
  // (attention transfer: CNN teacher and student) is refused, saying why.
  await page.selectOption('#in-method', 'fitnets');
  assert.ok((await distil(page, 'letters26-fitnets')).students.distilled.report.testAccuracy > 0.6);
  await page.selectOption('#in-method', 'attention');
  await page.click('#btn-start');
  await waitForState(page, 'error', 60_000);
  assert.match(await page.textContent('#status'), /needs CNN student and teacher .*mlp:256/);
  lab.log.consoleErrors.length = 0; // the refusal is logged as an error on purpose
  assertClean(assert, lab);
});

test('2 classes from a PNG zip: a CLI teacher; bad teachers and archives are refused, nothing lost; kept files come back', { timeout: 600_000 }, async (t) => {
  const digits = [0, 1];
  const train = pick(mnist('train', 6000), digits, 1200);
  const testSet = pick(mnist('t10k', 1000), digits, 200);
  const names = ['d0', 'd1']; // the page orders classes by name
  const set = writeIdxFolder('zeros-ones', train, testSet, names);
  // The teacher: trained natively on the IDX version of the same images.
  cli(['train-teacher', '--data', set.dir, '--arch', 'mlp:32', '--epochs', '2', '--out', set.dir, '--name', 't']);
  const teacher = join(set.dir, 't.safetensors');
  // The zip: both splits together (the page splits 5:1), 32×32 images (the page resizes them).
  const all = { images: Buffer.concat([train.images, testSet.images]), labels: Buffer.concat([train.labels, testSet.labels]) };
  const zip = pngZip(join(set.dir, 'zeros-ones.zip'), all, names, { side: 32 });
  const colour = pngZip(join(set.dir, 'colour.zip'), pick(all, [0, 1], 40), names, { colour: true });

  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  // No helper workers here: the lab's worker computes the soft labels itself (the path of a browser without them).
  await page.addInitScript(() => { window.__distillLabTest = { softHelpers: 0 }; });
  await page.goto(lab.url + RUN);
  await waitForState(page, 'ready', 120_000);
  await page.click('#own summary');
  await page.setInputFiles('#own-data-input', [zip]);
  assert.match(await waitOwn(page, /2 classes/), /zeros-ones: 1,1\d\d training and 2\d\d test images, 2 classes/);

  // Bad teachers, each refused naming the file; the data stays, waiting for a teacher.
  const bytes = await readFile(teacher);
  const truncated = join(set.dir, 'truncated.safetensors');
  await writeFile(truncated, bytes.subarray(0, 300));
  const nan = join(set.dir, 'nan.safetensors');
  const header = 8 + Number(bytes.readBigUInt64LE(0));
  const poisoned = Buffer.from(bytes);
  poisoned.writeFloatLE(Number.NaN, header);
  await writeFile(nan, poisoned);
  const refusals = [
    [truncated, /truncated\.safetensors: not a valid safetensors file/],
    [join(set.dir, 't.logits.safetensors'), /t\.logits\.safetensors: format '.*logits.*', expected 'distill-lab-weights\/1'/],
    [nan, /nan\.safetensors: tensor '.*' holds a non-finite value/],
    [join('www/models/mnist-teacher.safetensors'), /mnist-teacher\.safetensors: a teacher of 10 classes, and the dataset 'zeros-ones' has 2/],
  ];
  for (const [file, re] of refusals) {
    await page.setInputFiles('#own-teacher-input', [file]);
    assert.match(await waitRefusal(page, basename(file)), re);
    assert.equal(await startEnabled(page), false);
  }

  await page.setInputFiles('#own-teacher-input', [teacher]);
  await waitForState(page, 'ready', 120_000);
  const line = await waitOwn(page, /in use/);
  assert.match(line, /t\.safetensors \(mlp:32\)/);
  assert.equal(await page.$eval('#own-status', (e) => e.dataset.helpers), '0');
  assert.ok(Number(line.match(/(\d+\.\d+)%/)[1]) > 95, line);
  const results = await distil(page, 'zeros-ones');
  assert.ok(results.students.distilled.report.testAccuracy > 0.95);
  assert.equal(results.students.distilled.report.confusion.length, 4);

  // A colour archive: refused, naming a file; the 2-class data and its teacher stay, ready to start.
  await page.setInputFiles('#own-data-input', [colour]);
  assert.match(await waitRefusal(page, 'colour.zip'), /colou?r/i);
  assert.equal(await page.$eval('#in-dataset', (s) => s.value), 'own');
  await page.waitForFunction(() => !document.getElementById('btn-start').disabled, null, { timeout: 30_000 });

  // Kept in the browser: after a reload the link's dataset=own comes back with its teacher, without picking again.
  await page.check('#own-keep');
  await waitOwn(page, /Kept in this browser/);
  await page.reload();
  await waitForState(page, 'ready', 180_000);
  assert.equal(await page.$eval('#in-dataset', (s) => s.value), 'own');
  assert.match(await page.textContent('#status'), /zeros-ones/);
  assert.equal(await startEnabled(page), true);
  await page.click('#own summary');
  await page.click('#own-forget');
  await waitOwn(page, /Nothing of yours is kept/);
  assertClean(assert, lab);
});
