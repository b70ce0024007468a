// The missing-3 preset in the page: one click trains both students without any 3, then the bias correction (chosen
// on held-out training images) makes the distilled student recognise most test 3s; the hard-label twin cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, assertClean, copyToDocs, launch, waitForState } from './helpers.mjs';

test('the missing 3: a one-click preset, the bias correction, and the 3s filling in', { timeout: 400_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + '#dataset=mnist&eval=0');
  await waitForState(page, 'ready', 120_000);
  await page.click('#btn-missing3');
  const hash = await page.evaluate(() => location.hash);
  for (const part of ['transfer=no3', 'hidden=128', 'epochs=5', 'tau=20', 'race=on']) assert.ok(hash.includes(part), hash);
  await waitForState(page, 'done', 360_000);
  await page.waitForFunction(() => document.getElementById('missing').dataset.bias);
  const rows = await page.$$eval('#missing-table tbody tr', (trs) =>
    trs.map((tr) => ({ model: tr.dataset.model, cells: [...tr.children].map((c) => c.textContent) })));
  assert.deepEqual(rows.map((r) => r.model), ['distilled', 'baseline']);
  const pct = (s) => Number(s.replace(' %', ''));
  const [d, b] = rows.map((r) => r.cells);
  // The distilled student: some 3s right from dark knowledge alone, most after the correction (natively 52 % → 91 %).
  assert.ok(pct(d[2]) > 10 && pct(d[5]) >= 80 && pct(d[5]) > pct(d[2]), d.join(' | '));
  assert.ok(Number(d[4]) < Number(d[1]), `errors fall: ${d.join(' | ')}`);
  // The hard-label twin never predicts a class it has no label for.
  assert.equal(pct(b[2]), 0, b.join(' | '));
  assert.match(await page.textContent('#missing-summary'), /never saw class 3.*10,000 held-out training images/);
  const shot = join(ARTIFACTS, 'view-missing3.png');
  await page.locator('#missing').screenshot({ path: shot });
  await copyToDocs(shot, 'view-missing3.png');
  assertClean(assert, lab);
});
