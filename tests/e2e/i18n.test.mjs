// The text catalogs: English and Simplified Chinese hold the same keys with the same {placeholders}; every key the
// page's code and markup name exists; the language is picked from the link, then the browser. Node only, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';
import { pickLang, lookup, fill } from '../../www/i18n.js';
import { isLessonHash } from '../../www/lessons/route.js';

const load = (lang) => JSON.parse(readFileSync(join(ROOT, 'www', 'i18n', `${lang}.json`), 'utf8'));
const en = load('en');
const zh = load('zh-CN');

function flatten(obj, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') flatten(v, `${prefix}${k}.`, out);
    else out.set(`${prefix}${k}`, v);
  }
  return out;
}
const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('both catalogs have the same keys, all strings, with the same placeholders', () => {
  const e = flatten(en);
  const z = flatten(zh);
  assert.ok(e.size > 500, `only ${e.size} English keys`);
  assert.deepEqual([...e.keys()].filter((k) => !z.has(k)), [], 'keys missing from zh-CN.json');
  assert.deepEqual([...z.keys()].filter((k) => !e.has(k)), [], 'keys only in zh-CN.json');
  for (const [k, v] of e) {
    assert.equal(typeof v, 'string', `${k} is not a string`);
    assert.equal(typeof z.get(k), 'string', `zh-CN ${k} is not a string`);
    assert.deepEqual(placeholders(z.get(k)), placeholders(v), `placeholders of ${k}`);
    assert.ok(z.get(k).trim() || !v.trim(), `zh-CN ${k} is empty`);
  }
});

test('the Chinese catalog is Chinese: sentences carry CJK characters', () => {
  const z = flatten(zh);
  const e = flatten(en);
  // A value with three or more English words must have Chinese in it (code, commands and names are shorter or exempt).
  const untranslated = [...e].filter(([k, v]) => /([A-Za-z]{3,}\s+){3,}/.test(v) && !/[\u4e00-\u9fff]/.test(z.get(k)))
    .map(([k]) => k).filter((k) => !k.startsWith('lesson.claims.rows') && !k.startsWith('method.name'));
  assert.deepEqual(untranslated, []);
});

test('every key the page names exists in the catalogs', () => {
  const e = flatten(en);
  const files = ['www/index.html', ...['www', 'www/views', 'www/lessons'].flatMap((d) =>
    readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.js')).map((f) => `${d}/${f}`))];
  const missing = [];
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    const keys = [
      ...[...text.matchAll(/data-i18n(?:-html)?="([^"]+)"/g)].map((m) => m[1]),
      ...[...text.matchAll(/data-i18n-attr="([^"]+)"/g)].flatMap((m) => m[1].split(';').map((p) => (p.split(':')[1] ?? '').trim())),
      // t('a.b.c') with a literal key (templated keys are checked by the browser tests, which fail on a missing key)
      ...[...text.matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g)].map((m) => m[1]),
    ];
    // (i18n.js's own comments show the syntax with made-up keys)
    for (const k of keys) if (f !== 'www/i18n.js' && !e.has(k)) missing.push(`${f}: ${k}`);
  }
  assert.deepEqual(missing, []);
});

test('the language follows the link, then the browser, else English', () => {
  assert.equal(pickLang('zh-CN', ['en-US']), 'zh-CN');
  assert.equal(pickLang('zh-cn', []), 'zh-CN');
  assert.equal(pickLang('', ['zh-TW', 'en']), 'zh-CN');
  assert.equal(pickLang('auto', ['fr-FR', 'en-GB']), 'en');
  assert.equal(pickLang('xx', ['de']), 'en');
  assert.equal(pickLang(undefined, undefined), 'en');
});

test('lookup and fill', () => {
  assert.equal(lookup({ a: { b: 'x' } }, 'a.b'), 'x');
  assert.equal(lookup({ a: { b: 'x' } }, 'a'), undefined);
  assert.equal(lookup({ a: 'x' }, 'a.b'), undefined);
  assert.equal(fill('{n} of {total}', { n: 3, total: 7 }), '3 of 7');
  assert.equal(fill('{n} of {x}', { n: 3 }), '3 of {x}', 'an unknown placeholder stays visible');
});

test('links with no setting open the lessons; a setting opens the lab', () => {
  assert.ok(isLessonHash(''));
  assert.ok(isLessonHash('#'));
  assert.ok(isLessonHash('#lesson=3'));
  assert.ok(isLessonHash('#lang=zh-CN'));
  assert.ok(isLessonHash('#lesson=2&lang=en'));
  assert.ok(!isLessonHash('#dataset=mnist'));
  assert.ok(!isLessonHash('#lesson=2&tau=4'));
});
