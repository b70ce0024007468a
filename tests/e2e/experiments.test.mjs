// The experiments' results in the page: every file of results/index.json can be shown, its table has one row per
// result row (a grid for temperature × width), the numbers are those of the JSON, and the capacity sweep has its chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS, assertClean, copyToDocs, launch } from './helpers.mjs';

const read = async (file) => JSON.parse(await readFile(join('results', file), 'utf8'));

test('every experiment result renders as a table with its command and numbers', { timeout: 200_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + '#dataset=mnist');
  const { results } = await read('index.json');
  assert.ok(results.length >= 8, `${results.length} results listed`);
  await page.waitForFunction(() => document.getElementById('experiments').dataset.shown, null, { timeout: 90_000 });
  for (const entry of results) {
    await page.selectOption('#exp-file', entry.file);
    await page.waitForFunction((f) => document.getElementById('experiments').dataset.shown === f, entry.file,
      { timeout: 60_000 });
    const doc = await read(entry.file);
    const data = doc.rows.filter((r) => !('fit' in r) && !('gapClosed' in r));
    const expected = doc.experiment === 'temperature' ? new Set(data.map((r) => r.width)).size : data.length;
    assert.equal(await page.locator('#exp-table tbody tr').count(), expected, entry.file);
    const meta = await page.textContent('#exp-meta');
    assert.ok(meta.includes(doc.command) && meta.includes(doc.commit), `${entry.file}: ${meta}`);
    // The first row's mean errors appear as written (rounded) in the table.
    const first = data[0];
    const errors = first.meanErrors ?? first.meanStudentErrors;
    if (errors != null && doc.experiment !== 'temperature') {
      const text = await page.textContent('#exp-table tbody tr:first-child');
      assert.ok(text.includes(`${errors.toFixed(0)} ±`), `${entry.file}: ${text} lacks ${errors.toFixed(0)}`);
    }
    assert.equal(await page.isVisible('#exp-chart'), doc.experiment === 'capacity', entry.file);
    if (doc.experiment === 'temperature') {
      // A heatmap: one best (darkest) cell per width, the one with the fewest mean errors.
      const best = await page.$$eval('#exp-table tbody tr', (trs) => trs.map((tr) =>
        [...tr.cells].findIndex((c) => c.dataset.best === 'true') - 1));
      const taus = [...new Set(data.map((r) => r.tau))];
      const widths = [...new Set(data.map((r) => r.width))];
      widths.forEach((w, i) => {
        const row = data.filter((r) => r.width === w);
        const min = Math.min(...row.map((r) => Math.round(r.meanErrors)));
        assert.equal(Math.round(row.find((r) => r.tau === taus[best[i]]).meanErrors), min, `width ${w}`);
      });
      const shot = join(ARTIFACTS, 'view-temperature.png');
      await page.locator('#exp-table').screenshot({ path: shot });
      await copyToDocs(shot, 'view-temperature.png');
    }
    if (doc.experiment === 'capacity') {
      assert.match(await page.textContent('#exp-summary'), /R² = \d\.\d{3}/);
      const shot = join(ARTIFACTS, 'view-capacity.png');
      await page.locator('#experiments').screenshot({ path: shot });
      await copyToDocs(shot, 'view-capacity.png');
    }
  }
  assertClean(assert, lab);
});
