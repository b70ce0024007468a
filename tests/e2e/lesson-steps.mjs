// What a visitor does in one lesson, shared by the lesson walks: answer, press the lesson's button, wait for the
// reveal. Clicks only.
import assert from 'node:assert/strict';

/** Answers lesson `n` with the option `value`, presses its button, waits for the reveal; returns what it shows. */
export async function answerAndRun(page, n, value, timeout) {
  await page.waitForSelector(`#lesson[data-lesson="${n}"]`);
  await page.click(`#lesson-options .option[data-value="${value}"]`);
  await page.waitForSelector('#lesson-go:not([disabled])', { timeout: 120_000 });
  await page.click('#lesson-go');
  await page.waitForFunction(() => ['revealed', 'error'].includes(document.getElementById('lesson').dataset.phase),
    null, { timeout, polling: 250 });
  const out = await page.evaluate(() => ({
    phase: document.getElementById('lesson').dataset.phase,
    right: document.getElementById('lesson').dataset.right,
    verdict: document.querySelector('#lesson-reveal .verdict')?.textContent,
    why: document.querySelector('#lesson-reveal .why')?.textContent,
    progress: document.getElementById('lesson-progress').textContent,
  }));
  assert.equal(out.phase, 'revealed', `lesson ${n} did not reveal: ${out.progress}`);
  return out;
}
