// The lessons in Simplified Chinese (lang=zh-CN in the link): every string on screen must come from the zh-CN catalog.
// The check: no visible text may carry an English word outside a short list of names, symbols and code (the
// commands, file names and identifiers the lessons quote), and no visible text may equal an English catalog string
// that the Chinese catalog translates differently. Clicks only, as in lessons.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertClean, copyToDocs, launch, ROOT, screenshot } from './helpers.mjs';
import { answerAndRun } from './lesson-steps.mjs';

/** Words that stay as they are in Chinese text: names, units, symbols, formats, code. */
const ALLOWED = new Set(['MNIST', 'Fashion', 'WebGPU', 'WebAssembly', 'wasm', 'CPU', 'GPU', 'KD', 'DKD', 'RKD', 'FitNets',
  'FSP', 'CE', 'KL', 'ECE', 'PNG', 'CSV', 'JSON', 'softmax', 'log', 'mlp', 'cnn', 'CNN', 'MLP', 'int', 'float', 'Adam',
  'MB', 'KB', 'distill', 'lab', 'Hinton', 'burn', 'null', 'English', 'px', 'gpu', 'navigator', 'requestAdapter', 'backend',
  'cpu', 'std', 'Lion', 'SGD', 'max', 'min', 'i', 'j', 'y', 's', 't', 'p', 'q', 'z', 'T', 'S', 'k', 'C', 'Acc', 'TA',
  'linear', 'auto', 'logits', 'vs', 'results', 'json', 'logistic',
  // authors, a paper's title and data sources, cited as they are
  'LeCun', 'Cortes', 'Zalando', 'Furlanello', 'Mirzadeh', 'Romero', 'Zhao', 'Peng', 'Born', 'again', 'networks', 'et', 'al']);

const en = JSON.parse(readFileSync(join(ROOT, 'www/i18n/en.json'), 'utf8'));
const zh = JSON.parse(readFileSync(join(ROOT, 'www/i18n/zh-CN.json'), 'utf8'));
function flatten(obj, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') flatten(v, `${prefix}${k}.`, out);
    else out.set(`${prefix}${k}`, v);
  }
  return out;
}
const zhFlat = flatten(zh);
/** English sentences the Chinese catalog translates (so seeing them on screen means a string skipped the catalog). */
const ENGLISH = [...flatten(en)].filter(([k, v]) => zhFlat.get(k) !== v && /[A-Za-z]{3,}\s+[A-Za-z]{3,}/.test(v)).map(([, v]) => v);

/** Visible text of the page, leaf by leaf, without code (commands, file names) and without the inputs' values. */
async function visibleTexts(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      if (!text) continue;
      const el = n.parentElement;
      if (el.closest('code, script, style, datalist, option')) continue;
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      out.push({ text, where: el.id || el.className || el.tagName });
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      if (!el.checkVisibility()) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) if (el.getAttribute(a)) out.push({ text: el.getAttribute(a), where: `@${a} ${el.id || el.tagName}` });
    }
    return out;
  });
}

function englishIn(texts) {
  const bad = [];
  for (const { text, where } of texts) {
    // Identifiers and commands: architecture strings, file names, flags, key=value, numbers with units.
    const stripped = text.replace(/distill-lab [^；。）)]*/g, ' ').replace(/[\w./-]+\.(json|safetensors|gz|js)\b/g, ' ')
      .replace(/\b(mlp|cnn):[\d,]+/g, ' ').replace(/--?[\w-]+/g, ' ').replace(/\w+=\w+/g, ' ').replace(/#\d+/g, ' ');
    const words = stripped.match(/[A-Za-z][A-Za-z'’]*/g) || [];
    const foreign = words.filter((w) => w.length > 1 && !ALLOWED.has(w) && !/^[A-Z0-9]+$/.test(w) && !/[a-z][A-Z]/.test(w));
    if (foreign.length) bad.push(`${where}: ${JSON.stringify(text.slice(0, 120))} (${foreign.slice(0, 5).join(', ')})`);
    if (ENGLISH.includes(text)) bad.push(`${where}: an English catalog string ${JSON.stringify(text.slice(0, 80))}`);
  }
  return bad;
}

test('the lessons in Simplified Chinese show only strings from the zh-CN catalog', { timeout: 300_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  const missingKeys = [];
  page.on('console', (m) => { if (/i18n: missing key/.test(m.text())) missingKeys.push(m.text()); });

  await page.goto(lab.url + '#lang=zh-CN');
  await page.waitForSelector('.soft-pair[data-drawn="true"]', { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.match(await page.textContent('#lesson-title'), /[\u4e00-\u9fff]/);
  const problems = [];
  const check = async (label) => {
    for (const p of englishIn(await visibleTexts(page))) problems.push(`${label} ${p}`);
  };
  await check('lesson 1');
  await copyToDocs(await screenshot(page, 'lesson-1-zh.png'), 'lesson-1-zh.png');
  // Answer and reveal the quick lessons; the long runs (3, 5, 6) are checked as a visitor first sees them.
  const quick = { 1: '9', 2: 'sharpFlat', 4: 'x25', 7: 'some' };
  for (let n = 1; n <= 7; n++) {
    if (n > 1) await page.click('#lesson-next');
    await page.waitForSelector(`#lesson[data-lesson="${n}"]`);
    if (quick[n]) await answerAndRun(page, n, quick[n], 60_000);
    await page.waitForTimeout(200);
    await check(`lesson ${n}`);
  }
  // The full lab, in Chinese too: the form, More settings, every panel.
  await page.click('#lesson-next');
  await page.waitForSelector('#controls', { state: 'visible' });
  await page.click('#more-settings summary');
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  await check('lab');
  await copyToDocs(await screenshot(page, 'lab-zh.png'), 'lab-zh.png');

  // The language switch goes back to English, in the link too.
  await page.selectOption('#lang-switch', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.match(await page.evaluate(() => location.hash), /lang=en/);
  assert.deepEqual(missingKeys, [], 'keys missing from the catalogs');
  assert.deepEqual(problems, [], 'strings not from the zh-CN catalog');
  assertClean(assert, lab);
});
