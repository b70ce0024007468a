// Seeded mutation fuzzing of the page's parsers of outside input: the URL hash (www/state.js, State.fromHash) and the
// results files the Experiments panel renders (www/results-schema.js). Pure Node, no browser. FUZZ_EXECS sets the
// executions per parser (make fuzz); without it a short pass runs with the other tests. Deterministic: a failure
// prints the execution and its input, and the same seed replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as stateModule from '../../www/state.js';
import { checkResults, checkIndex, LIMITS } from '../../www/results-schema.js';
import { cli } from './helpers.mjs';

const { State } = stateModule;
const EXECS = Number(process.env.FUZZ_EXECS) || 3000;
// Notices through a stand-in translator (catalog key and parameters), where state.js takes one.
stateModule.setTranslator?.((key, params) => `${key} ${JSON.stringify(params ?? {})}`);
// The methods and their parameters, as the page gets them from the wasm (here from the CLI, the same catalogue).
stateModule.defineMethods(JSON.parse(cli(['methods'])));
const { SCHEMA, KEYS } = stateModule;

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n) => Math.floor(next() * n);
  return { next, below, pick: (list) => list[below(list.length)] };
}

// Text that parsers trip on: separators, broken and valid escapes (%ED%A0%80 is a lone surrogate), raw lone
// surrogates, prototype names, numbers JavaScript reads oddly, huge and long values.
const TOKENS = ['&', '=', '%', '%2', '%zz', '%25', '%ED%A0%80', '%F0%9F%98%80', '%00', '+', '#', ',', ' ', '\u0000',
  '\ud800', 'é', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'NaN', 'Infinity', '-Infinity', '1e999',
  '-0', '0x10', '1e-400', '9'.repeat(400), '4294967296', '-1', '0', 'linear', 'on', 'off', 'auto', '2:1,3:2',
  '4096,4096,4096,4096', '99999,0', ',,,', 'a'.repeat(5000), ...KEYS, ...KEYS.map((k) => `&${k}=`)];

function mutateText(text, r, others) {
  let s = text;
  for (let n = 1 + r.below(4); n > 0; n--) {
    const at = r.below(s.length + 1);
    switch (r.below(7)) {
      case 0: s = s.slice(0, at) + r.pick(TOKENS) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.below(20)); break;
      case 2: s = s.slice(0, at); break;
      case 3: { // a value replaced
        const eq = s.indexOf('=', at);
        if (eq >= 0) {
          const end = s.indexOf('&', eq);
          const value = r.pick(TOKENS) + (r.below(2) ? r.pick(TOKENS) : '');
          s = s.slice(0, eq + 1) + value + (end < 0 ? '' : s.slice(end));
        }
        break;
      }
      case 4: s = s.slice(0, at) + String.fromCharCode(r.below(0x10000)) + s.slice(at); break;
      case 5: { // a part repeated
        const part = s.slice(at, at + 1 + r.below(60));
        s = s + part.repeat(1 + r.below(50));
        break;
      }
      default: { const o = r.pick(others); s = s.slice(0, at) + o.slice(r.below(o.length + 1)); }
    }
  }
  return s;
}

function report(name, execs, accepted, started) {
  const s = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz ${name}: ${execs} executions (${accepted} accepted, ${execs - accepted} refused) in ${s} s`);
}

const HASHES = [
  '#dataset=mnist&hidden=128&alpha=0.5&tau=4&lr=0.001&batch=64&epochs=1&seed=1&race=on&vtau=4',
  new State().toHash(),
  '#dataset=fashion&hidden=800,800&alpha=0.3&tau=7.5&lr=0.00025&batch=256&epochs=3&opt=lion&sched=step&warmup=0.1' +
    '&transfer=no3&limit=2000&method=dkd&bits=4&lmap=2:1,3:2&arch=cnn&dkdb=2.5&ramp=cosine&tauend=1.5&tent=1.2' +
    '&race=off&backend=cpu&chain=ta-chain&cwidths=2,8,32&gens=5&assistant=64&vtau=12.5&scale=log&diag=show&ex=9999',
  '#hidden=linear&method=progressive&lmap=auto&chain=capacity&cwidths=2,4,8,16,32,64,128',
];

/** Every value of a state is one its schema allows. */
function checkValues(state) {
  for (const key of KEYS) {
    const spec = SCHEMA[key];
    const v = state.get(key);
    switch (spec.type) {
      case 'int': assert.ok(Number.isInteger(v) && v >= spec.min && v <= spec.max, `${key} = ${v}`); break;
      case 'float': assert.ok(Number.isFinite(v) && v >= spec.min && v <= spec.max, `${key} = ${v}`); break;
      case 'enum': assert.ok(spec.values.includes(v), `${key} = ${v}`); break;
      case 'bool': assert.equal(typeof v, 'boolean', key); break;
      case 'widths': assert.ok(v.length <= 4 && v.every((w) => Number.isInteger(w) && w >= 1 && w <= 4096), `${key}`); break;
      case 'intlist':
        assert.ok(v.length >= spec.minLen && v.length <= spec.maxLen &&
          v.every((w) => Number.isInteger(w) && w >= spec.min && w <= spec.max), key);
        break;
      case 'layermap': assert.match(v, /^(\d+:\d+(,\d+:\d+){0,7})?$/, key); break;
      default: assert.fail(`unknown type ${spec.type}`);
    }
  }
}

test('the URL hash: mutated links never throw, always give a valid state that round-trips', () => {
  const r = generator(17);
  const started = performance.now();
  let clean = 0;
  for (let i = 0; i < EXECS; i++) {
    const hash = mutateText(r.pick(HASHES), r, HASHES);
    try {
      const { state, notices } = State.fromHash(hash);
      assert.ok(Array.isArray(notices) && notices.length <= hash.split('&').length);
      for (const n of notices) assert.ok(typeof n === 'string' && n.length <= 600, n);
      checkValues(state);
      JSON.stringify(state.toConfig());
      // The state's own link reproduces it, without a notice.
      const again = State.fromHash(state.toHash());
      assert.deepEqual(again.notices, []);
      assert.equal(again.state.toHash(), state.toHash());
      if (notices.length === 0) clean++;
    } catch (e) {
      assert.fail(`execution ${i}, hash ${JSON.stringify(hash.slice(0, 2000))}: ${e.stack}`);
    }
  }
  report('url-hash', EXECS, clean, started);
});

// Results documents: the real files under results/, mutated as values (a field replaced by an odd value, removed, a row
// repeated past the limits, a list emptied) and as text (then JSON.parse, whose SyntaxError the panel reports with the
// file's name around it).
const FILES = readdirSync('results').filter((f) => f.endsWith('.json'));
const DOCS = FILES.map((f) => [f, JSON.parse(readFileSync(`results/${f}`, 'utf8'))]);
const TEXTS = DOCS.map(([, d]) => JSON.stringify(d));
const ODD = [null, true, 0, -1, 1e308, -1e308, 5e-324, '', 'abc', '1e999', [], {}, [[]], [1, 'a'], { fit: 1 },
  { gapClosed: 'x' }, 'x'.repeat(3000), Array(3).fill(null), [[0, 1]], [[-1, 0.5]], { k: 1, theta: 1, r2: 1 }];

function mutateValue(doc, r) {
  const copy = structuredClone(doc);
  // Walk to a random container, then change one of its entries.
  let node = copy;
  for (let depth = r.below(5); depth > 0; depth--) {
    const keys = Object.keys(node).filter((k) => node[k] !== null && typeof node[k] === 'object');
    if (keys.length === 0) break;
    node = node[r.pick(keys)];
  }
  const keys = Object.keys(node);
  const key = keys.length && r.below(4) ? r.pick(keys) : r.pick(['rows', 'fit', 'gapClosed', 'points', 'results',
    'experiment', 'file', 'meanErrors']);
  switch (r.below(5)) {
    case 0: delete node[key]; break;
    case 1:
      if (Array.isArray(node[key]) && node[key].length) {
        node[key] = Array(1 + r.below(2500)).fill(node[key][0]);
        break;
      }
    // falls through
    default: node[key] = structuredClone(r.pick(ODD));
  }
  return copy;
}

test('results files: mutated documents are accepted or refused with a message naming the file', () => {
  const r = generator(29);
  const started = performance.now();
  let accepted = 0;
  for (let i = 0; i < EXECS; i++) {
    const [file, doc] = r.pick(DOCS);
    let mutant;
    if (r.below(3) === 0) {
      try {
        mutant = JSON.parse(mutateText(TEXTS[DOCS.findIndex(([f]) => f === file)], r, TEXTS));
      } catch (e) {
        assert.ok(e instanceof SyntaxError, e.stack);
        continue; // the panel shows `Could not read ${file}: ${e.message}`
      }
    } else mutant = mutateValue(doc, r);
    try {
      (file === 'index.json' ? checkIndex : checkResults)(mutant, file);
      accepted++;
    } catch (e) {
      const ok = e instanceof Error && e.message.startsWith(`${file}: `) && e.message.length <= 400;
      assert.ok(ok, `execution ${i} (${file}): ${e.stack}`);
    }
  }
  report('results-json', EXECS, accepted, started);
});

test('results files: the limits hold and the real files pass', () => {
  for (const [file, doc] of DOCS) (file === 'index.json' ? checkIndex : checkResults)(doc, file);
  const [file, doc] = DOCS.find(([f]) => f !== 'index.json');
  const huge = { ...doc, rows: Array(LIMITS.rows + 1).fill(doc.rows[0]) };
  assert.throws(() => checkResults(huge, file), new RegExp(`^Error: ${file}: rows is a list of ${LIMITS.rows + 1}`));
  assert.throws(() => checkResults({ ...doc, wallSeconds: 'soon' }, file), /wallSeconds is "soon", expected a finite/);
  assert.throws(() => checkIndex({ results: [{ file: '../x.json', experiment: 'e', dataset: 'd' }] }, 'index.json'),
    /^Error: index.json: results\[0\].file/);
});
