#!/usr/bin/env node
// Part of `make bench`: how long a teacher of the visitor's own takes in the page (CPU build, fresh page each time),
// issue 19's goal of ≤ 2 minutes from file to first distilled student:
//   - a teacher weight file chosen → its soft labels on all 70,000 images computed → the lab ready (teacher's
//     accuracy shown); the bundled teachers' weight files (MNIST's and Fashion-MNIST's CNNs) stand in for a visitor's;
//   - Start → the first distilled student done (the page's default student, mlp:128, one epoch);
//   - a teacher trained in the tab (the panel's default cnn:8,16,64, 2 epochs) on all of MNIST's 60,000 images.
//
//   node tools/bench-own.mjs [--quick] [--out results/bench]     writes <out>/own-teacher.json
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, ROOT, waitForState } from '../tests/e2e/helpers.mjs';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const OUT = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : join(ROOT, 'results', 'bench');
const RUN = (dataset) => `#dataset=${dataset}&hidden=128&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=1&seed=1&eval=0&race=off`;
const DATASETS = QUICK ? ['mnist'] : ['mnist', 'fashion'];

const seconds = (t0) => Math.round((performance.now() - t0) / 100) / 10;

/** Fresh page: the file chosen → ready with its soft labels → Start → the first student done. */
/** A fresh page, ready, with the own panel open. */
async function openPage(dataset = 'mnist') {
  const lab = await launch();
  await lab.page.goto(lab.url + RUN(dataset));
  await waitForState(lab.page, 'ready', 180_000);
  await lab.page.click('#own summary');
  return lab;
}

async function fromFile(dataset) {
  const name = `${dataset}-teacher`;
  const lab = await openPage(dataset);
  try {
    const { page } = lab;
    const t0 = performance.now();
    await page.setInputFiles('#own-teacher-input', [join(ROOT, 'www/models', `${name}.safetensors`)]);
    await waitForState(page, 'ready', 600_000);
    const softLabels = seconds(t0);
    const line = await page.textContent('#own-status');
    const t1 = performance.now();
    await page.click('#btn-start');
    await waitForState(page, 'done', 600_000);
    const student = seconds(t1);
    const accuracy = Number(await page.evaluate(() => document.body.dataset.testAccuracy));
    return { dataset, teacher: name, status: line, softLabelsSeconds: softLabels, studentSeconds: student,
      totalSeconds: Math.round((softLabels + student) * 10) / 10, studentAccuracy: accuracy };
  } finally {
    await lab.close();
  }
}

/** Fresh page: the panel's default teacher trained in the tab on MNIST, then its soft labels. */
async function trainInTab(epochs) {
  const lab = await openPage();
  try {
    const { page } = lab;
    await page.fill('#own-epochs', String(epochs));
    const t0 = performance.now();
    await page.click('#own-train');
    await page.waitForFunction(() => /Teacher trained|Computing/.test(document.getElementById('own-status').textContent),
      null, { timeout: 1_800_000, polling: 500 });
    const training = seconds(t0);
    await waitForState(page, 'ready', 600_000);
    return { arch: await page.$eval('#own-arch', (s) => s.value), epochs, trainSeconds: training,
      totalSeconds: seconds(t0), status: await page.textContent('#own-status') };
  } finally {
    await lab.close();
  }
}

const fromFiles = [];
for (const dataset of DATASETS) {
  fromFiles.push(await fromFile(dataset));
  console.log(JSON.stringify(fromFiles.at(-1)));
}
const trained = await trainInTab(QUICK ? 1 : 2);
console.log(JSON.stringify(trained));
await mkdir(OUT, { recursive: true });
const out = { what: 'a teacher of your own in the page (CPU build, fresh page each)', command: 'node tools/bench-own.mjs',
  date: new Date().toISOString(), fromFile: fromFiles, trainedInTab: trained };
await writeFile(join(OUT, 'own-teacher.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${join(OUT, 'own-teacher.json')}`);
