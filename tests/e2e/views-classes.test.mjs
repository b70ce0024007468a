// The views follow the dataset's number of classes (2 to 62), in a real browser: the view modules, imported as the
// page imports them, on the page's own markup (tests/e2e/fixtures/views-classes.html + .js), fed synthetic answers of
// the sizes the worker sends for k classes (k×k matrices, k logits, GRID_PER_CLASS·k images). For k = 2, 26 and 62:
// the dark-knowledge and confusion heatmaps are k×k (their last cell, by keyboard and by pointer, names the last
// class), the bars draw k bars, the generated grid has k columns, the entropy axis ends at log2(k), the transfer sets
// name the dataset's own classes or are unavailable, the race counts the dataset's test images, long names are cut
// with "…" on the canvas and given in full in the tooltip. For 10 classes, every canvas is pixel for pixel what the
// views drew before this change (BASELINE's www/, served from git next to the working tree's). No console errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../tools/serve.mjs';
import { ROOT, openBrowser } from './helpers.mjs';

/**
 * The commit whose views drew MNIST's 10 classes before the views followed the class count: the 10-class canvases
 * must stay identical to its. Move it on only for a change meant to alter the 10-class drawing.
 */
const BASELINE = '480044acac029b56c38fca7b0b60688373df805f';
const TEACHER_ORANGE = [0xe6, 0x9f, 0x00]; // canvas.js SERIES.teacher

let server;
let url;
let lab;
let oldDir;
/** The catalog keys the page's markup names (index.html is another view's business than these tests'). */
const markupKeys = new Set([...readFileSync(join(ROOT, 'www', 'index.html'), 'utf8').matchAll(/data-i18n[^=]*="([^"]+)"/g)]
  .flatMap((m) => m[1].split(';').map((p) => p.split(':').pop().trim())));

before(async () => {
  oldDir = mkdtempSync(join(tmpdir(), 'distill-lab-views-old-'));
  let tar;
  try {
    tar = execFileSync('git', ['-C', ROOT, 'archive', BASELINE, 'www'], { maxBuffer: 1 << 28 });
  } catch (e) {
    throw new Error(`the 10-class baseline needs commit ${BASELINE} in this repository's history (a shallow clone?): ${e.message}`);
  }
  writeFileSync(join(oldDir, 'www.tar'), tar);
  execFileSync('tar', ['-xf', join(oldDir, 'www.tar'), '-C', oldDir]);
  const uplot = join(ROOT, 'node_modules', 'uplot', 'dist');
  const mounts = [
    ['/__old__/vendor/uplot/', uplot],
    ['/__old__/', join(oldDir, 'www')],
    ['/__e2e__/', join(ROOT, 'tests', 'e2e', 'fixtures')],
    ['/vendor/uplot/', uplot],
    ['/', join(ROOT, 'www')],
  ];
  ({ server, url } = await startServer({ port: 0, mounts }));
  lab = await openBrowser({ origin: new URL(url).origin });
});

after(async () => {
  await lab?.close();
  if (server) await new Promise((ok) => server.close(ok));
  server?.closeAllConnections?.();
  if (oldDir) rmSync(oldDir, { recursive: true, force: true });
});

/** Opens the fixture with these query parameters; resolves when the views have drawn. */
async function open(query, viewport = { width: 1280, height: 900 }) {
  const { page } = lab;
  await page.setViewportSize(viewport);
  lab.log.consoleErrors.length = 0;
  lab.log.pageErrors.length = 0;
  lab.log.console.length = 0;
  await page.goto(`${url}__e2e__/views-classes.html?${query}`);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30_000 });
  const error = await page.evaluate(() => document.body.dataset.error);
  assert.equal(error, undefined, `the fixture failed for ${query}`);
  return page;
}

/** No console errors, no uncaught exceptions, no catalog key missing (but those of the page's markup). */
function assertClean(query) {
  assert.deepEqual(lab.log.pageErrors, [], `page errors for ${query}`);
  assert.deepEqual(lab.log.consoleErrors, [], `console errors for ${query}`);
  const missing = lab.log.console.map((l) => /missing key (\S+)/.exec(l)?.[1]).filter((k) => k && !markupKeys.has(k));
  assert.deepEqual(missing, [], `catalog keys missing for ${query}`);
}

const snapshot = (page) => page.evaluate(() => window.harness.snapshot());
const layouts = (page) => page.evaluate(() => window.harness.layouts());

/** The centre of heatmap cell (row, col) of the canvas `key`, in page coordinates. */
async function cellPoint(page, key, row, col) {
  return page.evaluate(async ([key, row, col]) => {
    const c = window.harness.canvases()[key];
    c.scrollIntoView({ block: 'center' });
    const l = (await window.harness.layouts())[key];
    const r = c.getBoundingClientRect();
    return { x: r.left + l.left + col * l.cell + l.cell / 2, y: r.top + l.top + row * l.cell + l.cell / 2 };
  }, [key, row, col]);
}

/** Runs of the teacher's orange along a pixel row just above the bars' axis: one per class. */
function teacherRuns(page) {
  return page.evaluate((orange) => {
    const c = window.harness.canvases().bars;
    const ratio = c.width / c.getBoundingClientRect().width;
    const y = Math.round((230 - 40 - 2) * ratio); // bars.js: height 230, bottom margin 40
    const { data } = c.getContext('2d').getImageData(0, y, c.width, 1);
    let runs = 0;
    let inRun = false;
    for (let x = 0; x < c.width; x++) {
      const near = [0, 1, 2].every((i) => Math.abs(data[4 * x + i] - orange[i]) <= 12);
      if (near && !inRun) runs += 1;
      inRun = near;
    }
    return runs;
  }, TEACHER_ORANGE);
}

for (const [k, names] of [[2, 'digits'], [26, 'letters'], [62, 'long'], [62, 'letters'], [10, 'digits']]) {
  test(`${k} classes (${names}): every view follows the class count`, { timeout: 120_000 }, async () => {
    const query = `k=${k}&names=${names}`;
    const page = await open(query);
    const classes = await page.evaluate(() => window.harness.names);
    const last = classes[k - 1];
    const snap = await snapshot(page);
    const lay = await layouts(page);

    // The dark-knowledge matrix: k×k; the keyboard stops at the last cell, which names the last class.
    assert.equal(lay.dark.n, k, 'dark-knowledge matrix side');
    assert.ok(lay.dark.cell >= 5, `cells of ${lay.dark.cell} px`);
    assert.ok(lay.dark.left + k * lay.dark.cell <= snap.canvases.dark.width, 'the matrix fits its canvas');
    await page.focus('#dark-matrix canvas');
    for (let i = 0; i < k + 2; i++) await page.keyboard.press('ArrowDown');
    for (let i = 0; i < k + 2; i++) await page.keyboard.press('ArrowRight');
    const cellText = await page.textContent('#dark-cell');
    assert.ok(cellText.startsWith(`true ${last} → ${last}: `), cellText);
    assert.ok((await page.getAttribute('#dark-matrix canvas', 'title')).startsWith(`${last} → ${last}: `));
    // The pointer: the last row's first cell, then 3 px past the last column, still on the canvas: no cell there.
    let p = await cellPoint(page, 'dark', k - 1, 0);
    await page.mouse.move(p.x, p.y);
    assert.ok((await page.textContent('#dark-cell')).startsWith(`true ${last} → ${classes[0]}: `));
    p = await cellPoint(page, 'dark', 0, k - 1);
    await page.mouse.move(p.x + lay.dark.cell / 2 + 3, p.y);
    assert.equal(await page.textContent('#dark-cell'), '–', 'no cell past the k-th column');

    // The confusion matrices: k×k, the last cell's count in its tooltip.
    const done = await page.evaluate(() => window.harness.done);
    for (const which of ['teacher', 'distilled', 'baseline']) assert.equal(lay[`cm-${which}`].n, k, `${which} confusion side`);
    p = await cellPoint(page, 'cm-distilled', k - 1, k - 1);
    await page.mouse.move(p.x, p.y);
    assert.equal(await page.getAttribute('#cm-distilled canvas', 'title'),
      `${last} → ${last}: ${done.students.distilled.report.confusion[k * k - 1]}`);
    // The synthetic test set (the fixture's): its size from the confusion matrix and from accuracy and errors.
    const tested = (k === 10 ? 10000 : 200 * k).toLocaleString('en');
    assert.match(snap.texts.race, new RegExp(`The race, on the ${tested} test images`));
    assert.equal(snap.texts.teacherErrors, `81 of ${tested}`);

    // Axis labels: thinned out only between every step-th, long ones cut with "…", the first always drawn.
    for (const key of ['dark', 'cm-teacher']) {
      const { rows, cols, step, rowStep } = lay[key];
      assert.equal(rows.length, k);
      assert.equal(cols.length, k);
      assert.ok(rows[0] && cols[0], `${key}: the first labels are drawn`);
      cols.forEach((label, j) => assert.ok(label || j % step !== 0, `${key}: column ${j} thinned out of turn`));
      rows.forEach((label, i) => {
        if (!label) return assert.notEqual(i % rowStep, 0, `${key}: row ${i} thinned out of turn`);
        if (label !== classes[i]) assert.ok(label.endsWith('…') && classes[i].startsWith(label.slice(0, -1)), `${key}: ${label}`);
      });
    }
    // Neighbouring labels drawn along an axis do not overlap (widths measured in the canvases' 12-px font).
    const overlaps = await page.evaluate((lay) => {
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
      const out = [];
      const check = (what, labels, pitch, along) => {
        const at = labels.map((l, i) => [l, i]).filter(([l]) => l);
        for (let n = 1; n < at.length; n++) {
          const [[a, i], [b, j]] = [at[n - 1], at[n]];
          const need = along ? (ctx.measureText(a).width + ctx.measureText(b).width) / 2 : 12;
          if (need > (j - i) * pitch) out.push(`${what}: ${a} / ${b}`);
        }
      };
      for (const key of ['dark', 'cm-teacher']) {
        check(`${key} columns`, lay[key].cols, lay[key].cell, true);
        check(`${key} rows`, lay[key].rows, lay[key].cell, false);
      }
      check('bars', lay.bars.labels, lay.bars.group, true);
      return out;
    }, lay);
    assert.deepEqual(overlaps, [], 'overlapping axis labels');
    if (names === 'long') {
      assert.ok(lay.dark.rows.some((l) => l.endsWith('…')), 'long names are cut on the axis');
      p = await cellPoint(page, 'dark', 0, 1);
      await page.mouse.move(p.x, p.y);
      const title = await page.getAttribute('#dark-matrix canvas', 'title');
      assert.ok(title.startsWith(`${classes[0]} → ${classes[1]}: `), `full names in the tooltip: ${title}`);
    }

    // The bars: k groups, k orange teacher bars (log scale: every probability shows), the tooltip names the class.
    assert.equal(lay.bars.n, k);
    await page.evaluate(() => window.harness.setView('scale', 'log'));
    assert.equal(await teacherRuns(page), k, 'teacher bars');
    const bars = await page.evaluate(() => {
      const c = window.harness.canvases().bars;
      c.scrollIntoView({ block: 'center' });
      const r = c.getBoundingClientRect();
      return { x: r.left, y: r.top + 100 };
    });
    await page.mouse.move(bars.x + lay.bars.left + (k - 0.5) * lay.bars.group, bars.y);
    const barTitle = await page.getAttribute('#bars canvas', 'title');
    assert.ok(barTitle.startsWith(`${last}: teacher `), barTitle);
    assert.ok(lay.bars.labels[0], 'the first bar is labelled');

    // The generated grid: k columns of 2 rows, image r·k + c at row r, column c.
    assert.equal(snap.columns, String(k));
    assert.equal(snap.canvases.generated.width, k * 56);
    assert.equal(snap.canvases.generated.height, 2 * 56);
    const greys = await page.evaluate((k) => {
      const c = window.harness.canvases().generated;
      const ctx = c.getContext('2d');
      const out = [];
      for (let r = 0; r < 2; r++) for (let col = 0; col < k; col++) out.push(ctx.getImageData(col * 56 + 28, r * 56 + 28, 1, 1).data[0]);
      return out;
    }, k);
    assert.deepEqual(greys, Array.from({ length: 2 * k }, (_, i) => (i * 37 + 11) % 256), 'tile (r, c) shows image r·k + c');
    assert.match(snap.texts.gen, new RegExp(`columns are the classes ${classes[0]}–${last} `));

    // The explorer's entropy axis ends at log2(k) (plus the plot's 0.1 bit of headroom), and its caption says so.
    const [lo, hi] = await page.evaluate(() => window.harness.explorer.entropyRange());
    assert.equal(lo, 0);
    assert.ok(Math.abs(hi - 0.1 - Math.log2(k)) < 1e-9, `entropy axis max ${hi} for ${k} classes`);
    assert.match(snap.texts.entropyCaption, new RegExp(`up to ${Math.log2(k).toFixed(2)} bits`));

    // The transfer sets: the classes they leave out or keep, by the dataset's names, or unavailable.
    const option = (v) => snap.transfer.find((o) => o.value === v);
    assert.equal(option('all').disabled, false);
    if (k < 4) {
      assert.equal(option('no3').disabled, true);
      assert.equal(option('only78').disabled, true);
      assert.equal(snap.missing3Disabled, true, 'no "train without the 3s" on a dataset without a class 3');
    } else {
      assert.equal(option('no3').disabled, false);
      assert.equal(option('only78').disabled, false);
      assert.equal(snap.missing3Disabled, false);
      // Classes named by their numbers (MNIST's, EMNIST's digits) keep the catalog's wording.
      const numbered = classes[3] === '3' && classes[7] === '7' && classes[8] === '8';
      assert.equal(option('no3').text, numbered ? 'every class but 3' : `every class but ${classes[3]}`);
      assert.equal(option('only78').text, numbered ? 'only 7s and 8s' : `only ${classes[7]} and ${classes[8]}`);
    }
    assert.match(snap.texts.missing, new RegExp(`never saw class ${k > 3 ? classes[3] : last}\\. `));
    assertClean(query);
  });
}

test('a link\'s transfer set that the dataset cannot have falls back to every class', { timeout: 60_000 }, async () => {
  let page = await open('k=2&names=digits&transfer=only78');
  let snap = await snapshot(page);
  assert.equal(snap.transferValue, 'all');
  assert.match(await page.evaluate(() => window.harness.summaryAtReady), /This dataset has 2 classes/);
  page = await open('k=26&names=letters&transfer=only78');
  snap = await snapshot(page);
  assert.equal(snap.transferValue, 'only78', 'kept where the classes exist');
  assertClean('transfer');
});

for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
  test(`10 classes at ${viewport.width} px: every canvas as before (${BASELINE.slice(0, 7)})`, { timeout: 120_000 }, async () => {
    for (const names of ['digits', 'fashion']) {
      const drawn = {};
      for (const root of ['/__old__/', '/']) {
        const page = await open(`root=${root}&k=10&names=${names}`, viewport);
        const snap = await snapshot(page);
        // The focused cell of the dark matrix, by keyboard (its ring) and the log-scale bars.
        await page.focus('#dark-matrix canvas');
        for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight']) await page.keyboard.press(key);
        await page.evaluate(() => window.harness.setView('scale', 'log'));
        const after = await snapshot(page);
        drawn[root] = { snap, focused: after.canvases.dark, logBars: after.canvases.bars, cell: after.texts.cell };
        assertClean(`${root} ${names}`);
      }
      const [was, now] = [drawn['/__old__/'], drawn['/']];
      assert.ok(Object.keys(was.snap.canvases).length >= 7);
      assert.deepEqual(now.snap.canvases, was.snap.canvases, `${names}: canvases (sizes and pixel hashes)`);
      assert.deepEqual(now.focused, was.focused, `${names}: the dark matrix with a focused cell`);
      assert.deepEqual(now.logBars, was.logBars, `${names}: the bars on a log scale`);
      assert.equal(now.cell, was.cell);
      // MNIST's texts are as they were too (Fashion's transfer sets and summary now name its classes).
      if (names === 'digits') {
        assert.deepEqual(now.snap.texts, was.snap.texts, 'texts');
        assert.deepEqual(now.snap.transfer, was.snap.transfer, 'transfer sets');
      }
    }
  });
}
