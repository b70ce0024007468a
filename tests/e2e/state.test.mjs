// Pure-Node tests of www/state.js: the URL hash round trip and hostile input. Notices come from the text catalogs
// (www/i18n/*.json): these tests read them in English through the State's translator hook, as the page does with t().
// The methods and their parameters come from the catalogue, here the CLI's (`distill-lab methods`, the same as the
// wasm's: methods-catalogue.test.mjs); the first test runs before it is defined, as the page does until the worker
// sends it, and every other test defines it first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { State, SCHEMA, KEYS, coerce, setTranslator, hashParam, defineMethods, definedMethods } from '../../www/state.js';
import { lookup, fill } from '../../www/i18n.js';
import { cli } from './helpers.mjs';

const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../www/i18n/${lang}.json`, import.meta.url), 'utf8'));
/** A translator like i18n.js's t() over one catalog, failing loudly on a key the catalog lacks. */
const translator = (cat) => (key, params) => {
  const text = lookup(cat, key);
  assert.ok(text !== undefined, `catalog lacks ${key}`);
  return params ? fill(text, params) : text;
};
setTranslator(translator(catalog('en')));

const CATALOGUE = JSON.parse(cli(['methods']));
/** Every parameter of the catalogue once (by link key), with the keys of the methods that use it. */
const PARAMS = [...new Map(CATALOGUE.methods.flatMap((m) => m.params.map((p) => [p.link, p]))).values()];
const ready = () => defineMethods(CATALOGUE);

test('before the catalogue, a link\'s method and parameters wait in the State, stay in its link, then apply', () => {
  assert.equal(definedMethods(), null);
  const link = '#alpha=0.3&method=dkd&dkdb=4&bits=9&nope=1';
  const { state, notices } = State.fromHash(link);
  assert.deepEqual(notices, [], 'nothing can be told about them yet');
  assert.equal(state.get('alpha'), 0.3);
  assert.throws(() => state.get('dkdb'), /unknown setting/);
  const hash = state.toHash();
  for (const part of ['alpha=0.3', 'method=dkd', 'dkdb=4', 'bits=9', 'nope=1']) assert.match(hash, new RegExp(`[#&]${part}(&|$)`));
  assert.deepEqual(State.fromHash(hash).state.toHash(), hash, 'the link round-trips meanwhile');
  let calls = 0;
  state.subscribe(() => calls++);
  assert.deepEqual(state.set('atb', '200'), { changed: true }, 'set waits too');

  const told = state.defineMethods(CATALOGUE);
  assert.equal(calls, 2);
  assert.deepEqual(told, [
    'bits "9": out of range 2–8, using 8',
    'ignored unknown setting "nope"',
  ]);
  assert.equal(state.get('method'), 'dkd');
  assert.equal(state.get('dkdb'), 4);
  assert.equal(state.get('atb'), 200);
  assert.equal(state.toConfig().dkdBeta, 4);
  assert.match(state.toHash(), /&method=dkd&.*dkdb=4/);
  assert.ok(!state.toHash().includes('nope'));
  // The same catalogue again (a restarted worker sends it): nothing changes, nothing is told.
  assert.deepEqual(state.defineMethods(structuredClone(CATALOGUE)), []);
  assert.equal(calls, 2);
  // A State made afterwards starts at the first method, every parameter at its default.
  const fresh = new State();
  assert.equal(fresh.get('method'), CATALOGUE.methods[0].key);
  for (const p of PARAMS) assert.equal(fresh.toConfig()[p.key], p.kind === 'optional' ? null : p.default, p.key);
});

test('the catalogue: one setting per parameter, named by its link key, typed and ranged as the catalogue says', () => {
  ready();
  assert.deepEqual(SCHEMA.method.values, CATALOGUE.methods.map((m) => m.key));
  for (const p of PARAMS) {
    const spec = SCHEMA[p.link];
    assert.ok(spec, p.link);
    assert.equal(spec.config, p.key);
    assert.equal(spec.label, `setting.${p.link}`);
    assert.deepEqual(spec.methods, CATALOGUE.methods.filter((m) => m.params.some((q) => q.key === p.key)).map((m) => m.key));
    if (p.kind === 'layermap') assert.equal(spec.type, 'layermap');
    else {
      assert.deepEqual([spec.type, spec.min, spec.max], [p.kind === 'int' ? 'int' : 'float', p.min, p.max], p.key);
      assert.equal(spec.default, p.kind === 'optional' ? 0 : p.default, p.key);
    }
  }
  // A setting that can be off: 0 is off (null in the config), on below its max.
  for (const p of PARAMS.filter((q) => q.kind === 'optional')) {
    const s = new State();
    assert.equal(s.toConfig()[p.key], null);
    const r = s.set(p.link, String(p.max));
    assert.ok(r.notice && s.get(p.link) < p.max && s.get(p.link) > 0, `${p.link}: ${r.notice}`);
    assert.equal(s.toConfig()[p.key], s.get(p.link));
  }
  assert.throws(() => defineMethods({ methods: [] }), /no list of methods/);
  const clash = structuredClone(CATALOGUE);
  clash.methods[0].params.push({ ...PARAMS[0], key: 'other' }, { ...PARAMS[0], key: 'another', link: 'tau' });
  assert.throws(() => defineMethods(clash), /share the link key|is a setting already/);
  assert.equal(definedMethods(), CATALOGUE, 'a refused catalogue changes nothing');
});

test('defaults round-trip through the hash', () => {
  ready();
  const s = new State();
  const { state, notices } = State.fromHash(s.toHash());
  assert.deepEqual(notices, []);
  assert.deepEqual(state.values, s.values);
  assert.ok(!s.toHash().includes('backend='), 'the optional backend flag is only written when set');
});

test('every setting round-trips state -> hash -> state', () => {
  ready();
  const s = new State();
  // Each method parameter one step above its minimum (a layer mapping: two pairs).
  const params = Object.fromEntries(PARAMS.map((p) => [p.link, p.kind === 'layermap' ? '2:1,3:2' : String(p.min + p.step)]));
  const changes = {
    dataset: 'fashion', hidden: '800,800', alpha: '0.3', tau: '7.5', lr: '0.00025', batch: '256',
    epochs: '3', opt: 'lion', sched: 'step', warmup: '0.1', seed: '4294967295', eval: '50', limit: '2000', method: 'dkd', ...params, transfer: 'no3', arch: 'cnn',
    ramp: 'cosine', tauend: '1.5', race: 'off', backend: 'cpu', chain: 'ta-chain', gens: '5',
    assistant: '64', cwidths: '2,8,32', vtau: '12.5', scale: 'log', diag: 'show', ex: '9999',
  };
  for (const [key, value] of Object.entries(changes)) {
    const r = s.set(key, value);
    assert.equal(r.notice, undefined, `${key}: ${r.notice}`);
    assert.equal(r.changed, true, key);
  }
  const hash = s.toHash();
  assert.match(hash, /^#dataset=fashion&hidden=800,800&alpha=0.3&tau=7.5&lr=0.00025&batch=256&epochs=3&opt=lion&sched=step&warmup=0.1/);
  // The methods' parameters follow the method, in the catalogue's order.
  const written = Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&');
  assert.ok(hash.includes(`&transfer=no3&limit=2000&method=dkd&${written}&arch=cnn&ramp=cosine&tauend=1.5&race=off&backend=cpu`), hash);
  assert.match(hash, /&chain=ta-chain&cwidths=2,8,32&gens=5&assistant=64&vtau=12.5&scale=log&diag=show&ex=9999$/);
  const { state, notices } = State.fromHash(hash);
  assert.deepEqual(notices, []);
  assert.deepEqual(state.values, s.values);
  assert.equal(state.toHash(), hash);
});

test('the example link from the README parses as written', () => {
  ready();
  const { state, notices } = State.fromHash('#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.001&batch=64&epochs=1&seed=1');
  assert.deepEqual(notices, []);
  // Every method parameter goes to Lab.start by its key, at its default (off: null).
  const params = Object.fromEntries(PARAMS.map((p) => [p.key, p.kind === 'optional' ? null : p.default]));
  assert.deepEqual(state.toConfig(), {
    hidden: [128], alpha: 0.5, tau: 4, lr: 0.001, batchSize: 64, epochs: 1, seed: 1, evalEvery: SCHEMA.eval.default,
    trainLimit: 0, race: true, method: 'hinton', arch: 'mlp', ramp: 'constant', tauEnd: null, ...params,
    transfer: 'all', optimizer: 'adam', schedule: 'constant', warmup: 0,
  });
});

test('links made before the catalogue keep working: bits, lmap, dkdb, tent', () => {
  ready();
  const { state, notices } = State.fromHash('#method=qat&bits=4&lmap=2:1,3:2&dkdb=2.5&tent=1.2');
  assert.deepEqual(notices, []);
  const config = state.toConfig();
  assert.deepEqual([config.method, config.bits, config.layerMap, config.dkdBeta, config.targetEntropy],
    ['qat', 4, '2:1,3:2', 2.5, 1.2]);
  // A parameter of another method is in the link only when it is not at its default.
  assert.match(state.toHash(), /&method=qat&tent=1.2&dkdb=2.5&lmap=2:1,3:2&bits=4&/);
  assert.ok(!/dkda=/.test(state.toHash()));
});

test('hidden widths: presets, linear and spacing', () => {
  ready();
  assert.deepEqual(coerce('hidden', '30, 30').value, [30, 30]);
  assert.deepEqual(coerce('hidden', 'linear').value, []);
  assert.deepEqual(coerce('hidden', '').value, []);
  const s = new State({ hidden: [] });
  assert.match(s.toHash(), /hidden=linear/);
  assert.deepEqual(State.fromHash(s.toHash()).state.get('hidden'), []);
  const big = coerce('hidden', '99999,0,5,5,5');
  assert.deepEqual(big.value, [4096, 1, 5, 5]);
  assert.ok(big.notice);
  const bad = coerce('hidden', '12,abc');
  assert.equal(bad.value, undefined);
  assert.ok(bad.notice);
});

test('malformed hash yields defaults, clamped values and notices, never an exception', () => {
  ready();
  const hostile = '#alpha=abc&tau=999&<script>alert(1)</script>&batch=-5&epochs=2.6&lr=1e-9&seed=0x10' +
    '&dataset=cifar&%E0%A4%A=1&hidden=1e3&=&&eval=Infinity&__proto__=1&constructor=x';
  const { state, notices } = State.fromHash(hostile);
  assert.equal(state.get('alpha'), SCHEMA.alpha.default, 'alpha=abc is ignored');
  assert.equal(state.get('tau'), SCHEMA.tau.max, 'tau=999 is clamped');
  assert.equal(state.get('batch'), SCHEMA.batch.min, 'batch=-5 is clamped');
  assert.equal(state.get('epochs'), 3, 'epochs=2.6 is rounded');
  assert.equal(state.get('lr'), SCHEMA.lr.min, 'lr=1e-9 is clamped');
  assert.equal(state.get('seed'), SCHEMA.seed.default, 'hex is not a number here');
  assert.equal(state.get('dataset'), 'mnist');
  assert.deepEqual(state.get('hidden'), SCHEMA.hidden.default);
  assert.equal(state.get('eval'), SCHEMA.eval.default);
  assert.equal(Object.getPrototypeOf(state.values), Object.prototype, 'no prototype pollution');
  assert.equal({}.polluted, undefined);
  for (const key of ['alpha', 'tau', 'script', 'batch', 'epochs', 'lr', 'seed', 'cifar', 'malformed', 'hidden', 'eval',
    '__proto__', 'constructor']) {
    assert.ok(notices.some((n) => n.includes(key)), `a notice mentions ${key}: ${JSON.stringify(notices)}`);
  }
  for (const n of notices) assert.equal(typeof n, 'string');
  // The result is a valid state again: it round-trips without notices.
  assert.deepEqual(State.fromHash(state.toHash()).notices, []);
});

test('long hostile keys are shortened in notices', () => {
  ready();
  const { notices } = State.fromHash('#' + 'x'.repeat(5000) + '=1');
  assert.equal(notices.length, 1);
  assert.ok(notices[0].length < 100);
});

test('set() leaves the value unchanged on bad input and reports it', () => {
  ready();
  const s = new State();
  let calls = 0;
  s.subscribe(() => calls++);
  const r = s.set('alpha', 'half');
  assert.equal(r.changed, false);
  assert.ok(r.notice.includes('alpha'));
  assert.equal(s.get('alpha'), SCHEMA.alpha.default);
  assert.equal(calls, 0);
  assert.equal(s.set('alpha', '2').changed, true);
  assert.equal(s.get('alpha'), 1);
  assert.equal(calls, 1);
  assert.throws(() => s.get('nope'));
});

test('every schema entry has a default inside its own range', () => {
  ready();
  for (const key of KEYS) {
    const spec = SCHEMA[key];
    const r = coerce(key, spec.default);
    assert.equal(r.notice, undefined, key);
  }
});

test('view settings and the race flag: parsed, clamped or ignored with notices', () => {
  ready();
  const { state, notices } = State.fromHash('#race=maybe&vtau=0.1&ex=10000&diag=<b>x</b>&scale=LOG');
  assert.equal(state.get('race'), true, 'race=maybe is ignored');
  assert.equal(state.get('vtau'), 0.5, 'vtau is clamped to 0.5');
  assert.equal(state.get('ex'), 9999, 'ex is clamped to the last test image');
  assert.equal(state.get('diag'), 'hide');
  assert.equal(state.get('scale'), 'log', 'enum values are case-insensitive');
  for (const key of ['race', 'vtau', 'ex', 'diag']) assert.ok(notices.some((n) => n.includes(key)), key);
  assert.equal(State.fromHash('#race=off').state.toConfig().race, false);
  const config = State.fromHash('#method=multi-confidence&ramp=linear&tauend=2&tent=1.5').state.toConfig();
  assert.deepEqual([config.method, config.ramp, config.tauEnd, config.targetEntropy], ['multi-confidence', 'linear', 2, 1.5]);
  assert.ok(State.fromHash('#method=fitnetz').notices.some((n) => n.includes('method')), 'unknown methods are ignored');
  assert.equal(State.fromHash('#race=0').state.toHash().includes('race=off'), true);
});

test('layer mapping: teacher:student pairs or auto; malformed maps ignored with a notice', () => {
  ready();
  assert.deepEqual(coerce('lmap', ' 2:1, 3:2 '), { value: '2:1,3:2' });
  assert.deepEqual(coerce('lmap', 'AUTO'), { value: '' });
  for (const bad of ['2-1', '0:1', '1:0', 'a:b', '1:2,2:3,3:4,4:5,5:6,6:7,7:8,8:9,9:10', '<svg>']) {
    const r = coerce('lmap', bad);
    assert.ok(!('value' in r) && /teacher:student pairs/.test(r.notice), bad);
  }
  const { state } = State.fromHash('#method=progressive');
  assert.match(state.toHash(), /&lmap=auto(&|$)/, 'the chosen method\'s parameters are in the link, at their default too');
  assert.equal(state.toConfig().layerMap, '');
  state.set('method', 'hinton');
  assert.ok(!state.toHash().includes('lmap='), 'automatic is the default and stays out of the other methods\' links');
});

test('sweep widths: 2 to 12 numbers from 1 to 4096, else ignored with a notice', () => {
  ready();
  assert.deepEqual(coerce('cwidths', '2, 8 32'), { value: [2, 8, 32] });
  for (const bad of ['8', '0,4', '2,8,99999', 'a,b', '1,2,3,4,5,6,7,8,9,10,11,12,13']) {
    const r = coerce('cwidths', bad);
    assert.ok(!('value' in r) && /sweep widths/.test(r.notice), bad);
  }
  assert.deepEqual(coerce('transfer', 'only78'), { value: 'only78' });
  assert.ok(!('value' in coerce('transfer', 'no4')));
});

test('notices and setting names come from the catalogs, in each language', () => {
  ready();
  const en = catalog('en');
  const zh = catalog('zh-CN');
  for (const key of KEYS) {
    assert.equal(SCHEMA[key].label, `setting.${key}`, key);
    assert.ok(lookup(en, SCHEMA[key].label) && lookup(zh, SCHEMA[key].label), `${key} has a name in both catalogs`);
  }
  const hostile = '#alpha=abc&tau=999&epochs=2.6&hidden=99999,0,5,5,5&cwidths=8&lmap=2-1&race=maybe&dataset=cifar' +
    '&%E0%A4%A=1&nope=1';
  const english = State.fromHash(hostile).notices;
  assert.ok(english.includes('ignored α (alpha) "abc": not a number'), JSON.stringify(english));
  assert.ok(english.includes('τ (tau) "999": out of range 0.5–20, using 20'), JSON.stringify(english));
  assert.ok(english.includes('epochs "2.6": rounded to 3'), JSON.stringify(english));
  assert.ok(english.includes('student hidden widths (hidden) "99999,0,5,5,5": at most 4 hidden layers; ' +
    'each width must be 1–4096, using 4096,1,5,5'), JSON.stringify(english));
  assert.ok(english.includes('ignored dataset "cifar": expected one of mnist, fashion, own'), JSON.stringify(english));
  assert.ok(english.includes('ignored unknown setting "nope"'), JSON.stringify(english));
  try {
    setTranslator(translator(zh));
    const chinese = State.fromHash(hostile).notices;
    // The same events, in the same order, each in Chinese and still naming the setting's key and the raw value.
    assert.equal(chinese.length, english.length);
    assert.ok(chinese.includes('已忽略 α（alpha） "abc"：不是数字'), JSON.stringify(chinese));
    assert.ok(chinese.includes('学生模型隐藏层宽度（hidden） "99999,0,5,5,5"：最多 4 个隐藏层；每个宽度必须在 1–4096 之间，' +
      '改用 4096,1,5,5'), JSON.stringify(chinese));
    assert.ok(chinese.includes('轮数（epochs） "2.6"：已四舍五入为 3'), JSON.stringify(chinese));
    for (const key of ['alpha', 'tau', 'epochs', 'hidden', 'cwidths', 'lmap', 'race', 'dataset', 'nope']) {
      assert.ok(chinese.some((n) => n.includes(key) && /[\u4e00-\u9fff]/.test(n)), `a Chinese notice names ${key}`);
    }
    assert.ok(chinese.some((n) => n.startsWith('已忽略链接中格式错误的部分')), JSON.stringify(chinese));
    // Placeholders in the raw value are not filled: only the catalog's own are.
    assert.ok(State.fromHash('#seed={name}').notices[0].includes('"{name}"'));
  } finally {
    setTranslator(translator(en));
  }
});

test('hashParam reads one raw value before any validation, without notices', () => {
  let calls = 0;
  setTranslator(() => { calls += 1; return ''; });
  try {
    assert.equal(hashParam('#dataset=mnist&lang=zh-CN&alpha=abc', 'lang'), 'zh-CN');
    assert.equal(hashParam('lang=en&lang=zh%2DCN', 'lang'), 'zh-CN', 'the last one wins, decoded');
    assert.equal(hashParam('#%E0%A4%A=1&alpha=abc', 'lang'), null);
    assert.equal(hashParam('', 'lang'), null);
    assert.equal(calls, 0, 'no notice text is built');
  } finally {
    setTranslator(translator(catalog('en')));
  }
});
