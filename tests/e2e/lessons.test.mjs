// The guided lessons, walked as a new visitor would: open the page with no link, read, answer, press the lesson's one
// button, read the reveal, go on — only clicks a person makes, no calls into the page. Each lesson's outcome is
// asserted against what the page measured (and the claims the lesson's text makes). Screenshots go to docs/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClean, copyToDocs, launch, screenshot, waitForState } from './helpers.mjs';
import { answerAndRun } from './lesson-steps.mjs';

const numbers = (text) => [...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => Number(m[0].replace(/,/g, '')));

async function shoot(page, name) {
  await page.waitForTimeout(300);
  await copyToDocs(await screenshot(page, name), name);
}

test('a new visitor walks the seven lessons and each one shows what it claims', { timeout: 420_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  const missingKeys = [];
  page.on('console', (m) => { if (/i18n: missing key/.test(m.text())) missingKeys.push(m.text()); });

  // Lesson 1 opens by itself, and the soft labels at τ = 1 and τ = 4 are drawn with no click.
  const opened = Date.now();
  await page.goto(lab.url);
  await page.waitForSelector('.soft-pair[data-drawn="true"]', { timeout: 60_000 });
  const firstChartMs = Date.now() - opened;
  t.diagnostic(`first soft-label chart ${firstChartMs} ms after opening the page`);
  assert.match(await page.evaluate(() => location.hash), /^#lesson=1$/);
  assert.equal(await page.isVisible('#controls'), false, 'the settings form is not the first thing a visitor sees');
  // Dark knowledge appears: at τ = 4 the nine wrong classes share far more than at τ = 1.
  const rest = await page.$$eval('.soft-pair figure', (figs) => figs.map((f) => Number(f.dataset.rest)));
  assert.ok(rest[1] > 10 * rest[0] && rest[1] > 0.01, `probability off the top class: τ=1 ${rest[0]}, τ=4 ${rest[1]}`);
  await shoot(page, 'lesson-1.png');

  // 1. Guess 9; the reveal names the class from the teacher's similarity matrix, which now shows.
  let r = await answerAndRun(page, 1, '9', 60_000);
  const best = r.why.match(/on (\d) on average/)[1];
  assert.equal(r.right, String(best === '9'), `verdict for guess 9 when the answer is ${best}`);
  assert.equal(await page.isVisible('#dark'), true, 'the similarity matrix is shown');
  const row4 = await page.evaluate(() => window.getComputedStyle(document.getElementById('dark')).display);
  assert.notEqual(row4, 'none');
  await shoot(page, 'lesson-1-revealed.png');

  // 2. Temperature: the sweep ends at τ = 20; low τ is sharp, high τ is near the 3.32-bit maximum.
  await page.click('#lesson-next');
  r = await answerAndRun(page, 2, 'sharpFlat', 60_000);
  assert.equal(r.right, 'true');
  const hLo = Number(r.why.match(/entropy is ([\d.]+) bits/)[1]);
  const hOne = Number(r.why.match(/τ = 1 it is ([\d.]+) bits/)[1]);
  const hHi = Number(r.why.match(/rises to ([\d.]+) of/)[1]);
  assert.ok(hLo < hOne && hOne < hHi && hHi > 2.5 && hHi <= 3.33, `entropies ${hLo}, ${hOne}, ${hHi}`);
  assert.match(await page.evaluate(() => location.hash), /^#lesson=2$/);
  await shoot(page, 'lesson-2.png');

  // 3. The race on 1,000 labelled examples: the distilled student wins, as the lesson says.
  await page.click('#lesson-next');
  r = await answerAndRun(page, 3, 'distilled', 120_000);
  assert.equal(r.right, 'true', `the distilled student should win: ${r.why}`);
  const [d, b] = numbers(r.why);
  assert.ok(d < b, `distilled ${d} vs hard-label ${b}`);
  const table = await page.$$eval('#race-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.model, tr.children[2].textContent]));
  assert.deepEqual(table.filter(([m]) => m !== 'teacher').map(([, e]) => Number(e)), [d, b], 'the race table shows the same errors');
  assert.match(r.why, /± \d+/, 'the multi-seed measurement is quoted');
  // The live formula shows this run's terms: the weighted soft and hard parts add up, the larger one is named.
  const f = await page.evaluate(() => {
    const box = document.getElementById('formula');
    return { soft: Number(box.dataset.soft), hard: Number(box.dataset.hard), dominant: box.dataset.dominant,
      values: box.querySelector('.formula-values').textContent };
  });
  assert.ok(f.soft > 0 && f.hard > 0, JSON.stringify(f));
  assert.equal(f.dominant, f.soft > f.hard ? 'soft' : 'hard');
  assert.match(f.values, /^Step 640, on the test images: α·CE = 0\.50 × /);
  await page.focus('.formula .sym[data-sym="tau"]');
  assert.match(await page.textContent('#formula-tip'), /temperature/);
  await page.hover('.formula .sym[data-sym="kl"]');
  assert.match(await page.textContent('#formula-tip'), /^KL\(p ‖ q\)/);
  await shoot(page, 'lesson-3.png');

  // 4. Why τ²: from τ = 4 to τ = 20 the plain gradient shrinks about 25× (1/τ²); with τ² it stays level.
  await page.click('#lesson-next');
  r = await answerAndRun(page, 4, 'x25', 60_000);
  const [, , ratio, scaled] = numbers(r.why);
  assert.ok(ratio > Math.sqrt(125) && scaled > 0.5 && scaled < 2, `plain shrinks ${ratio}×, scaled changes ${scaled}×`);
  assert.equal(r.right, 'true');
  await shoot(page, 'lesson-4.png');

  // 5. The missing 3: after the bias correction most test 3s are recognised.
  await page.click('#lesson-next');
  r = await answerAndRun(page, 5, 'most', 150_000);
  const before = Number(r.why.match(/got ([\d.]+)% of the test 3s/)[1]);
  const after = Number(r.why.match(/makes it ([\d.]+)%/)[1]);
  assert.ok(after > before && after > 50, `3s right: ${before}% before, ${after}% after`);
  await shoot(page, 'lesson-5.png');

  // 6. The pitfalls: every row measured, each with its verdict; the answer follows the teacher-assistant row.
  await page.click('#lesson-next');
  r = await answerAndRun(page, 6, 'no', 240_000);
  const rows = await page.$$eval('.pitfall-table tbody tr', (trs) => trs.map((tr) => ({
    key: tr.dataset.row, state: tr.dataset.state, cells: [...tr.querySelectorAll('.measured')].map((p) => p.textContent),
  })));
  assert.equal(rows.length, 5);
  for (const row of rows) {
    assert.equal(row.state, 'done', `row ${row.key}`);
    assert.ok(row.cells.every((c) => /\d+ test errors/.test(c)), `row ${row.key}: ${row.cells}`);
  }
  const gap = rows.find((row) => row.key === 'gap').cells.map((c) => numbers(c)[0]);
  const gain = (gap[0] - gap[1]) / gap[0];
  assert.equal(r.right, String(gain <= 0.02), `TA gain ${gain}`);
  await shoot(page, 'lesson-6.png');

  // 7. The claims: five rows from results/, the multi-teacher gain between 0 and 3 points.
  await page.click('#lesson-next');
  r = await answerAndRun(page, 7, 'some', 30_000);
  const gains = await page.$$eval('.claims-table tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.row, Number(tr.dataset.gain)])));
  assert.deepEqual(Object.keys(gains), ['dynamic', 'self', 'adversarial', 'qat', 'multi']);
  assert.equal(r.right, String(gains.multi > 0 && gains.multi <= 3));
  assert.match(await page.textContent('.claims-rule'), /mlp:256/);
  await shoot(page, 'lesson-7.png');

  // The last lesson leads to the lab: the form, with Start.
  await page.click('#lesson-next');
  await page.waitForSelector('#controls', { state: 'visible' });
  assert.doesNotMatch(await page.evaluate(() => location.hash), /lesson=/);
  await waitForState(page, ['ready', 'done'], 30_000);
  assert.deepEqual(missingKeys, [], 'keys missing from the catalogs');
  assertClean(assert, lab);
});

test('on a 390 × 844 phone the lab shows Start in the first screen; a link setting a detail opens "More settings"',
  { timeout: 120_000 }, async (t) => {
    const lab = await launch({ viewport: { width: 390, height: 844 } });
    t.after(() => lab.close());
    const { page } = lab;
    await page.goto(lab.url + '#dataset=mnist&hidden=128&alpha=0.5&tau=4&epochs=1');
    await waitForState(page, 'ready', 120_000);
    const box = await page.locator('#btn-start').boundingBox();
    assert.ok(box && box.y + box.height <= 844, `Start at y=${box?.y}`);
    assert.equal(await page.evaluate(() => document.getElementById('more-settings').open), false);
    await page.goto(lab.url + '#dataset=mnist&hidden=128&lr=0.01&epochs=1');
    await page.reload();
    await waitForState(page, 'ready', 120_000);
    assert.equal(await page.evaluate(() => document.getElementById('more-settings').open), true, 'lr=0.01 opens More settings');
    await shoot(page, 'lab-390.png');
    assertClean(assert, lab);
  });
