// The methods' catalogue (src/method/) is the one list of methods and their parameters: the CLI prints it
// (`distill-lab methods`) and builds `distill --help` from it, the wasm exports it (`methodCatalogue()`), and the page
// builds its method menu, its settings fields and its link keys from what its worker sends. These tests hold the four
// together and check that the text catalogs have every method's and parameter's text. The first and third run in Node;
// the others in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, assertClean, cli, launch, waitForState } from './helpers.mjs';
import { lookup } from '../../www/i18n.js';

const CATALOGUE = JSON.parse(cli(['methods']));
/** Every parameter once, with the keys of the methods that use it. */
const PARAMS = [...new Map(CATALOGUE.methods.flatMap((m) => m.params.map((p) => [p.key, p]))).values()]
  .map((p) => ({ ...p, users: CATALOGUE.methods.filter((m) => m.params.some((q) => q.key === p.key)).map((m) => m.key) }));
const catalog = (lang) => JSON.parse(readFileSync(join(ROOT, 'www', 'i18n', `${lang}.json`), 'utf8'));

test('the catalogue lists methods with parameters, each named once', () => {
  assert.ok(CATALOGUE.methods.length >= 13, `${CATALOGUE.methods.length} methods`);
  const keys = CATALOGUE.methods.map((m) => m.key);
  assert.equal(new Set(keys).size, keys.length, 'method keys are unique');
  const links = PARAMS.map((p) => p.link);
  assert.equal(new Set(links).size, links.length, 'link keys are unique');
  // The links made before the catalogue keep their keys.
  for (const [key, link] of [['dkdBeta', 'dkdb'], ['bits', 'bits'], ['layerMap', 'lmap'], ['targetEntropy', 'tent']]) {
    assert.equal(PARAMS.find((p) => p.key === key)?.link, link, key);
  }
});

test('every registered method and parameter has its text in both catalogs', () => {
  const missing = [];
  for (const lang of ['en', 'zh-CN']) {
    const cat = catalog(lang);
    const need = (key) => (lookup(cat, key)?.trim() ? null : missing.push(`${lang}: ${key}`));
    for (const m of CATALOGUE.methods) {
      need(`method.name.${m.key}`);
      need(`method.info.${m.key}`);
    }
    for (const p of PARAMS) {
      need(`param.${p.key}.label`);
      need(`param.${p.key}.hint`);
      need(`setting.${p.link}`);
    }
  }
  assert.deepEqual(missing, [], 'add these to www/i18n/en.json and www/i18n/zh-CN.json');
});

test('`distill --help` names each parameter\'s flag with the methods, range and default of the catalogue', () => {
  const help = cli(['distill', '--help']).replace(/\s+/g, ' ');
  const numbers = (text) => [...text.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)].map((m) => Number(m[0]));
  for (const p of PARAMS) {
    const flag = `--${p.flag} <VALUE>`;
    const at = help.indexOf(flag);
    assert.ok(at >= 0, `--help lacks ${flag}`);
    const m = /^ (.*?) \[methods: ([^;]+); (.+?); default: ([^\]]+)\]/.exec(help.slice(at + flag.length));
    assert.ok(m, `${flag}: no [methods: …; range; default: …] in ${help.slice(at, at + 300)}`);
    const [, text, users, range, def] = m;
    assert.equal(text, p.help.replace(/\s+/g, ' '), `${flag}: help`);
    assert.deepEqual(users.split(', '), p.users, `${flag}: methods`);
    switch (p.kind) {
      case 'float':
        assert.match(range, /^a number in \[/, flag);
        assert.deepEqual(numbers(range), [p.min, p.max], `${flag}: range`);
        assert.equal(Number(def), p.default, `${flag}: default`);
        break;
      case 'int':
        assert.match(range, /^an integer in -?\d+\.\.=-?\d+$/, flag);
        assert.deepEqual(numbers(range.replace('..=', ' ')), [p.min, p.max], `${flag}: range`);
        assert.equal(Number(def), p.default, `${flag}: default`);
        break;
      case 'optional':
        assert.match(range, /^a number in \(0, [\d.]+\), or 0 = off$/, flag);
        assert.deepEqual(numbers(range), [0, p.max, 0], `${flag}: range`);
        assert.equal(p.min, 0);
        assert.deepEqual([def, p.default], ['off', null], `${flag}: default`);
        break;
      case 'layermap':
        assert.match(range, /teacher:student pairs/, flag);
        assert.deepEqual([def, p.default], ['automatic', ''], `${flag}: default`);
        break;
      default:
        assert.fail(`${p.key}: unknown kind ${p.kind}`);
    }
  }
  for (const m of CATALOGUE.methods) assert.ok(help.includes(`${m.key} (${m.name})`), `--method names ${m.key}`);
});

const BASE = '#dataset=mnist&hidden=32&alpha=0.5&tau=4&lr=0.003&batch=64&epochs=1&limit=500&eval=0&race=off&seed=1';

test('the page: its wasm\'s catalogue is the CLI\'s; menu and fields are generated from it; a link applies when it ' +
  'arrives', { timeout: 240_000 }, async (t) => {
  const lab = await launch();
  t.after(() => lab.close());
  const { page } = lab;
  // The catalogue the page receives (views/method.js puts it on the test hook) and the configs sent to Lab.start.
  await page.addInitScript(() => {
    window.__distillLabTest = {};
    window.__starts = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (msg, ...rest) {
      if (msg?.command === 'start') window.__starts.push(structuredClone(msg.config));
      return post.call(this, msg, ...rest);
    };
  });
  // The link is read before the worker has sent the catalogue: dkdb and bits wait for it.
  await page.goto(lab.url + BASE + '&method=dkd&dkdb=4&bits=9');
  await page.waitForFunction(() => window.__distillLabTest.catalogue, null, { timeout: 120_000 });
  assert.deepEqual(await page.evaluate(() => window.__distillLabTest.catalogue), CATALOGUE,
    'the wasm\'s methodCatalogue() is the CLI\'s `distill-lab methods`');

  // The menu lists exactly the catalogue's methods, named from the text catalog.
  const en = catalog('en');
  const options = await page.$$eval('#in-method option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options, CATALOGUE.methods.map((m) => [m.key, lookup(en, `method.name.${m.key}`)]));

  // One field per parameter, with the catalogue's range, step and default.
  const fields = await page.evaluate((links) => links.map((link) => {
    const input = document.getElementById(`in-${link}`);
    const field = input?.closest('.field');
    return input && {
      name: input.name, type: input.type, min: input.getAttribute('min'), max: input.getAttribute('max'),
      step: input.getAttribute('step'), defaultValue: input.defaultValue, methods: field.dataset.method,
      label: field.querySelector('label span')?.textContent, inMore: Boolean(input.closest('#more-settings')),
    };
  }), PARAMS.map((p) => p.link));
  PARAMS.forEach((p, i) => {
    const f = fields[i];
    assert.ok(f, `#in-${p.link} exists`);
    assert.equal(f.name, p.link);
    assert.equal(f.methods, p.users.join(' '), `${p.link}: shown for the methods that use it`);
    assert.equal(f.label, lookup(en, `param.${p.key}.label`), `${p.link}: label`);
    assert.ok(f.inMore, `${p.link} is under "More settings"`);
    if (p.kind === 'layermap') {
      assert.deepEqual([f.type, f.defaultValue], ['text', 'auto'], p.link);
      return;
    }
    assert.equal(f.type, 'number', p.link);
    assert.deepEqual([f.min, f.max, f.step].map(Number), [p.min, p.max, p.step], `${p.link}: min, max, step`);
    assert.equal(Number(f.defaultValue), p.default ?? 0, `${p.link}: default`);
  });
  // No field is left in the markup beside the generated ones.
  assert.equal(await page.locator('[data-param]').count(), PARAMS.length);
  const lmap = PARAMS.find((p) => p.kind === 'layermap');
  if (lmap) for (const id of ['field', 'selects', 'svg', 'note']) assert.ok(await page.$(`#${lmap.link}-${id}`), id);

  // The link's values applied once the catalogue arrived: dkdb as given, bits clamped with a notice.
  await waitForState(page, 'ready', 120_000);
  assert.equal(await page.inputValue('#in-method'), 'dkd');
  assert.equal(await page.inputValue('#in-dkdb'), '4');
  assert.ok(await page.isVisible('#in-dkdb'), 'DKD β shows for DKD ("More settings" opened: it is not at its default)');
  assert.equal(await page.isVisible('#in-bits'), false, 'bits show only for QAT');
  assert.equal(await page.inputValue('#in-bits'), '8');
  const notices = await page.$$eval('#notices li', (lis) => lis.map((li) => li.textContent));
  assert.ok(notices.includes('bits "9": out of range 2–8, using 8'), JSON.stringify(notices));
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /&method=dkd&/);
  assert.match(hash, /&dkdb=4(&|$)/);

  // The run's config carries every parameter by its key; the wasm accepts it and trains.
  await page.click('#btn-start');
  await waitForState(page, 'done', 120_000);
  const [config] = await page.evaluate(() => window.__starts);
  assert.equal(config.method, 'dkd');
  assert.equal(config.dkdBeta, 4);
  for (const p of PARAMS) assert.ok(p.key in config, `the config has ${p.key}`);

  // A method's own fields show with it; a parameter shared by several methods shows for each.
  for (const m of CATALOGUE.methods) {
    await page.selectOption('#in-method', m.key);
    const shown = await page.evaluate((links) => links.filter((l) => !document.getElementById(`in-${l}`).closest('.field').hidden),
      PARAMS.map((p) => p.link));
    assert.deepEqual(shown.sort(), m.params.map((p) => p.link).sort(), m.key);
  }
  assert.deepEqual(lab.log.console.filter((l) => /missing key/.test(l)), [], 'every text the page asked for exists');
  assertClean(assert, lab);
});
