// Students teaching students in the page (CPU path): born-again generations and the teacher-assistant comparison,
// with their settings in the link, a chain training beside the race, and a refused method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, assertClean, copyToDocs, launch, waitForState } from './helpers.mjs';

const BASE = '#dataset=mnist&hidden=32&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=1&limit=2000&eval=0&seed=2';

async function runChain(page) {
  await page.click('#chain-run');
  await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('chain-status').textContent),
    null, { timeout: 200_000 });
  return page.$$eval('#chain-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
}

test('born-again generations and a teacher-assistant chain run in the page, beside the race', { timeout: 400_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + BASE + '&race=on&chain=born-again&gens=3');
  await waitForState(page, 'ready', 120_000);
  assert.equal(await page.isVisible('#in-assistant'), false, 'assistant widths show only for the TA chain');
  // The race and the chain train at the same time, taking turns in the worker.
  await page.click('#btn-start');
  let rows = await runChain(page);
  assert.match(await page.textContent('#chain-status'), /^Done: 3 stages/);
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), [
    ['0', 'mlp:32', 'hard labels'], ['1', 'mlp:32', 'stage 0'], ['2', 'mlp:32', 'stage 1']]);
  for (const r of rows) {
    const acc = Number(r[3].replace('%', ''));
    assert.ok(acc > 70, r.join(' | '));
    assert.equal(Number(r[4]), Math.round(10000 * (1 - acc / 100)), r.join(' | '));
  }
  await waitForState(page, 'done', 200_000);
  assert.match(await page.getAttribute('#chain-chart', 'aria-label'), /0: mlp:32 ← hard labels \d+; 1: mlp:32 ← stage 0 \d+/);
  const shot = join(ARTIFACTS, 'view-chains.png');
  await page.locator('#chains').screenshot({ path: shot });
  await copyToDocs(shot, 'view-chains.png');

  // The teacher-assistant comparison, set from the controls (and so written to the link).
  await page.selectOption('#in-chain', 'ta-chain');
  await page.fill('#in-assistant', '128');
  await page.press('#in-assistant', 'Tab');
  assert.equal(await page.isVisible('#in-gens'), false);
  assert.match(await page.evaluate(() => location.hash), /chain=ta-chain.*assistant=128/);
  rows = await runChain(page);
  assert.match(await page.textContent('#chain-status'), /^Done/);
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), [
    ['0', 'mlp:32', 'teacher'], ['1', 'mlp:128', 'teacher'], ['2', 'mlp:32', 'stage 1']]);
  // 32 steps per stage: each is far above chance (10 %), the student taught by a 32-step assistant the least.
  for (const r of rows) assert.ok(Number(r[3].replace('%', '')) > 50, r.join(' | '));
  assertClean(assert, lab);
});

test('a chain with a feature method is refused with a reason; a bad assistant is ignored with a notice', { timeout: 200_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + BASE + '&race=off&method=fitnets&chain=ta-chain&assistant=64');
  await waitForState(page, 'ready', 120_000);
  await runChain(page);
  assert.match(await page.textContent('#chain-status'), /^Error: .*one teacher's logits/);
  assert.equal(await page.isDisabled('#chain-run'), false, 'the chain can be run again');
  await page.fill('#in-assistant', 'abc');
  await page.press('#in-assistant', 'Tab');
  assert.equal(await page.inputValue('#in-assistant'), '64');
  assert.match(await page.textContent('#notices'), /assistant hidden widths/);
  assertClean(assert, lab);
});

test('the capacity sweep: a one-click preset trains each width from the teacher and fits the "law" live', { timeout: 300_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  await page.goto(lab.url + '#dataset=mnist&race=off');
  await waitForState(page, 'ready', 120_000);
  await page.click('#btn-capacity');
  assert.match(await page.evaluate(() => location.hash), /chain=capacity/);
  await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('chain-status').textContent),
    null, { timeout: 240_000 });
  assert.match(await page.textContent('#chain-status'), /^Done: 7 stages/);
  const rows = await page.$$eval('#chain-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => r[1]), ['mlp:2', 'mlp:4', 'mlp:8', 'mlp:16', 'mlp:32', 'mlp:64', 'mlp:128']);
  assert.ok(rows.every((r) => r[2] === 'teacher'));
  // Wider students do better: the widest beats the narrowest by far.
  const acc = rows.map((r) => Number(r[3].replace('%', '')));
  assert.ok(acc[6] > 85 && acc[6] > acc[0] + 30, acc.join(', '));
  // The fit, computed in the wasm from the sweep, is shown with its chart.
  assert.ok(await page.isVisible('#capacity-chart'));
  assert.match(await page.textContent('#capacity-summary'), /over 7 runs: k = [\d.]+, θ = -?[\d.]+, R² = -?\d\.\d{3}/);
  const shot = join(ARTIFACTS, 'view-capacity-sweep.png');
  await page.locator('#chains').screenshot({ path: shot });
  await copyToDocs(shot, 'view-capacity-sweep.png');
  assertClean(assert, lab);
});
