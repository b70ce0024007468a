// The settings of the State (state.js): their declared schema, and how one value is checked and written. The methods
// and their parameters come from the wasm's catalogue (`defineMethods`), so the schema grows once it arrives. Pure: no
// DOM access, importable from Node for tests.
//
// Every value that comes in (hash or form) goes through `coerce`: malformed values are ignored (the previous value
// stays), out-of-range values are clamped, and each such event yields a plain-text notice. Notices are text, never
// markup; the views render them with textContent.
//
// Notices and setting names come from the text catalogs (keys `notice.*`, `setting.<key>`), through the translator
// `(key, params) => string`: by default i18n.js's `t`, so they are in the page's language once its catalogs are loaded.
// Node tests set their own with `setTranslator` (e.g. one reading www/i18n/en.json). The translator is only called
// while coercing, so the module holds no text itself.

import { t } from './i18n.js';

/** The translator in force (live: setTranslator replaces it). */
export let translate = t;

/** Sets the function that turns a catalog key and its {placeholders} into text (null: back to i18n.js's `t`). */
export function setTranslator(fn) {
  translate = fn || t;
}

const MAX_HIDDEN_LAYERS = 4;
const MAX_WIDTH = 4096;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The settings. `key` is the name in the URL hash; `config` the field of the wasm `Lab.start` config (absent for
 * settings that are not part of it); `label` the catalog key of its name in notices. The methods and their parameters
 * are not here: they come from the wasm's catalogue (`defineMethods`), which adds one setting per parameter after
 * `method`.
 */
const BASE = Object.freeze({
  dataset: { type: 'enum', values: ['mnist', 'fashion', 'own'], default: 'mnist', label: 'setting.dataset' },
  hidden: { type: 'widths', default: [128], label: 'setting.hidden', config: 'hidden' },
  // alpha weighs the hard-label cross-entropy: 1 = no distillation (src/distill/hinton.rs).
  alpha: { type: 'float', min: 0, max: 1, default: 0.5, label: 'setting.alpha', config: 'alpha' },
  tau: { type: 'float', min: 0.5, max: 20, default: 4, label: 'setting.tau', config: 'tau' },
  lr: { type: 'float', min: 1e-5, max: 1, default: 0.001, label: 'setting.lr', config: 'lr' },
  batch: { type: 'int', min: 1, max: 1024, default: 64, label: 'setting.batch', config: 'batchSize' },
  epochs: { type: 'int', min: 1, max: 50, default: 1, label: 'setting.epochs', config: 'epochs' },
  // The optimizer (SGD with momentum 0.9), the learning-rate schedule and its linear warm-up (share of the steps).
  opt: { type: 'enum', values: ['adam', 'sgd', 'lion'], default: 'adam', label: 'setting.opt', config: 'optimizer' },
  sched: { type: 'enum', values: ['constant', 'cosine', 'step'], default: 'constant', label: 'setting.sched', config: 'schedule' },
  warmup: { type: 'float', min: 0, max: 0.5, default: 0, label: 'setting.warmup', config: 'warmup' },
  seed: { type: 'int', min: 0, max: 4294967295, default: 1, label: 'setting.seed', config: 'seed' },
  eval: { type: 'int', min: 0, max: 1000000, default: 200, label: 'setting.eval', config: 'evalEvery' },
  // Train on the first N examples only (0 = all): with few examples the teacher's soft labels help most.
  // The transfer set (views/missing.js): every class, every class but 3, or only 7s and 8s.
  transfer: { type: 'enum', values: ['all', 'no3', 'only78'], default: 'all', label: 'setting.transfer', config: 'transfer',
    optional: true },
  limit: { type: 'int', min: 0, max: 60000, default: 0, label: 'setting.limit', config: 'trainLimit' },
  // The distillation method (src/method/): its values, its default (the first registered) and the settings of its
  // parameters come with the catalogue; until then a link's method and parameters wait in the State (`pending`).
  method: { type: 'enum', values: [], default: '', label: 'setting.method', config: 'method' },
  // mlp: hidden = dense widths; cnn: hidden = channels of the two conv blocks and the dense width (e.g. 8,16,64).
  arch: { type: 'enum', values: ['mlp', 'cnn'], default: 'mlp', label: 'setting.arch', config: 'arch' },
  ramp: { type: 'enum', values: ['constant', 'linear', 'cosine'], default: 'constant', label: 'setting.ramp', config: 'ramp' },
  tauend: { type: 'float', min: 0.5, max: 20, default: 1, label: 'setting.tauend', config: 'tauEnd' },
  // race: also train the same student on hard labels only, from the same weights and batches.
  race: { type: 'bool', default: true, label: 'setting.race', config: 'race' },
  // auto = the path measured faster for the lab's students (the CPU: results/bench/browser.json); cpu or webgpu forces one.
  backend: { type: 'enum', values: ['auto', 'cpu', 'webgpu'], default: 'auto', label: 'setting.backend', optional: true },
  // Students teaching students (views/chains.js): born-again generations or the teacher-assistant comparison.
  chain: { type: 'enum', values: ['born-again', 'ta-chain', 'capacity'], default: 'born-again', label: 'setting.chain' },
  // The live capacity sweep's one-hidden-layer student widths.
  cwidths: { type: 'intlist', min: 1, max: 4096, minLen: 2, maxLen: 12, default: [2, 4, 8, 16, 32, 64, 128],
    label: 'setting.cwidths', optional: true },
  gens: { type: 'int', min: 2, max: 5, default: 3, label: 'setting.gens' },
  assistant: { type: 'widths', default: [256, 256], label: 'setting.assistant' },
  // The teaching views: the temperature they show, the bar scale, the matrix diagonal, the inspected test example.
  vtau: { type: 'float', min: 0.5, max: 20, default: 4, label: 'setting.vtau' },
  scale: { type: 'enum', values: ['linear', 'log'], default: 'linear', label: 'setting.scale' },
  diag: { type: 'enum', values: ['hide', 'show'], default: 'hide', label: 'setting.diag' },
  ex: { type: 'int', min: 0, max: 9999, default: 0, label: 'setting.ex' },
  // The page's language (i18n.js; auto = the browser's) and the lesson on screen (lessons/; 0 = the full lab).
  lang: { type: 'enum', values: ['auto', 'en', 'zh-cn'], default: 'auto', label: 'setting.lang', optional: true },
  lesson: { type: 'int', min: 0, max: 7, default: 0, label: 'setting.lesson', optional: true },
});

/** The settings: BASE and, once the catalogue is defined, the method's values and one setting per parameter. */
export let SCHEMA = BASE;
/** Keys in the order they are written to the hash. */
export let KEYS = Object.freeze(Object.keys(SCHEMA));

let catalogue = null; // the methods' catalogue, once defined
let catalogueText = null; // … as JSON, to tell a new one from the same one sent again

/** The catalogue `defineMethods` was given, or null before it. */
export const definedMethods = () => catalogue;

/** The catalogue's entry of the method `key` (its needs, its parameters), or null. */
export const methodInfo = (key) => catalogue?.methods.find((m) => m.key === key) ?? null;

/** The setting of one method parameter of the catalogue; `methods`: the keys of the methods that use it. */
function paramSpec(p, methods) {
  const spec = { label: `setting.${p.link}`, config: p.key, param: p.key, methods };
  switch (p.kind) {
    case 'float':
    case 'int':
      return { ...spec, type: p.kind, min: p.min, max: p.max, step: p.step, default: p.default };
    case 'optional': // off (null in the config) at 0; on, below its max
      return { ...spec, type: 'float', min: p.min ?? 0, max: p.max, step: p.step, default: 0, off: true };
    case 'layermap':
      return { ...spec, type: 'layermap', default: '' };
    default:
      throw new Error(`methods: parameter ${p.key} has an unknown kind ${JSON.stringify(p.kind)}`);
  }
}

/**
 * Defines the methods from the wasm's catalogue ({methods: [{key, params: [{key, link, kind, min, max, step,
 * default}]}]}; `methodCatalogue()` of the wasm, `distill-lab methods` natively): the `method` setting's values and
 * default, and one setting per parameter, named by its `link` and sent to `Lab.start` as its `key`. The same catalogue
 * again changes nothing. States made before keep their values; `state.defineMethods` also applies what waited.
 * @returns {boolean} whether the schema changed.
 */
export function defineMethods(next) {
  const text = JSON.stringify(next);
  if (text === catalogueText) return false;
  const list = next?.methods;
  if (!Array.isArray(list) || !list.length || !list.every((m) => typeof m?.key === 'string' && Array.isArray(m.params))) {
    throw new Error('methods: the catalogue has no list of methods with keys and parameters');
  }
  const params = new Map(); // link → [param, method keys]
  for (const m of list) {
    for (const p of m.params) {
      if (typeof p?.key !== 'string' || !/^[a-z][a-z0-9]*$/i.test(p.link)) {
        throw new Error(`methods: ${m.key} has a parameter without a key or a link key`);
      }
      const seen = params.get(p.link);
      if (seen && seen[0].key !== p.key) throw new Error(`methods: ${p.key} and ${seen[0].key} share the link key ${p.link}`);
      if (Object.hasOwn(BASE, p.link)) throw new Error(`methods: ${p.key}'s link key ${p.link} is a setting already`);
      if (seen) seen[1].push(m.key);
      else params.set(p.link, [p, [m.key]]);
    }
  }
  const keys = list.map((m) => m.key);
  const schema = {};
  for (const [key, spec] of Object.entries(BASE)) {
    if (key !== 'method') {
      schema[key] = spec;
      continue;
    }
    schema.method = { ...spec, values: keys, default: keys[0] };
    for (const [link, [p, users]] of params) schema[link] = paramSpec(p, users);
  }
  SCHEMA = Object.freeze(schema);
  KEYS = Object.freeze(Object.keys(SCHEMA));
  catalogue = next;
  catalogueText = text;
  return true;
}

/** The name of a setting in notices: its label, with the hash key beside it when they differ ("α (alpha)"). */
export function settingName(key) {
  const label = translate(SCHEMA[key].label);
  return label === key ? key : translate('notice.name', { label, key });
}

/** Shortens untrusted text for a notice (it is still shown as text only). */
export function quote(text) {
  const s = String(text);
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

/** The largest multiple of `step` below `max`. */
const stepBelow = (max, step) => Number((Math.ceil(max / step - 1 - 1e-9) * step).toFixed(12));

function parseNumber(raw) {
  const s = String(raw).trim();
  if (!NUMBER_RE.test(s)) return NaN;
  return Number(s);
}

/**
 * Validates one raw value (string from the hash or a form, or an already typed value) for `key`.
 * @returns {{value?: any, notice?: string}} no `value` when the input is unusable.
 */
export function coerce(key, raw) {
  const spec = SCHEMA[key];
  if (!spec) return { notice: translate('notice.unknown', { key: quote(key) }) };
  // The name and the quoted raw value of every notice below; numbers stay as the link writes them.
  const what = () => ({ name: settingName(key), value: quote(raw) });
  const joined = (notes) => notes.join(translate('notice.joiner'));
  switch (spec.type) {
    case 'bool': {
      const v = String(raw).trim().toLowerCase();
      if (['on', 'true', '1', 'yes'].includes(v)) return { value: true };
      if (['off', 'false', '0', 'no'].includes(v)) return { value: false };
      return { notice: translate('notice.expectedOnOff', what()) };
    }
    case 'enum': {
      const v = String(raw).trim().toLowerCase();
      if (spec.values.includes(v)) return { value: v };
      return { notice: translate('notice.expectedOneOf', { ...what(), values: spec.values.join(', ') }) };
    }
    case 'int':
    case 'float': {
      let v = typeof raw === 'number' ? raw : parseNumber(raw);
      if (!Number.isFinite(v)) return { notice: translate('notice.notNumber', what()) };
      const notes = [];
      if (spec.type === 'int' && !Number.isInteger(v)) {
        v = Math.round(v);
        notes.push(translate('notice.rounded', { value: v }));
      }
      // A setting that can be off is on below its max (the wasm refuses the max itself): the step below it then.
      const over = spec.off ? v >= spec.max : v > spec.max;
      if (v < spec.min || over) {
        v = !over ? spec.min : spec.off ? stepBelow(spec.max, spec.step) : spec.max;
        notes.push(translate('notice.outOfRange', { min: spec.min, max: spec.max, value: v }));
      }
      if (notes.length) return { value: v, notice: translate('notice.adjusted', { ...what(), notes: joined(notes) }) };
      return { value: v };
    }
    case 'widths': {
      const list = Array.isArray(raw) ? raw.map(String) : String(raw).trim().split(/[\s,]+/).filter(Boolean);
      if (list.length === 0 || (list.length === 1 && list[0].toLowerCase() === 'linear')) return { value: [] };
      const widths = [];
      for (const part of list) {
        if (!/^\d+$/.test(part)) {
          return { notice: translate('notice.expectedWidths', what()) };
        }
        widths.push(Number(part));
      }
      const notes = [];
      const clamped = widths.slice(0, MAX_HIDDEN_LAYERS).map((w) => Math.min(MAX_WIDTH, Math.max(1, w)));
      if (widths.length > MAX_HIDDEN_LAYERS) notes.push(translate('notice.tooManyLayers', { max: MAX_HIDDEN_LAYERS }));
      if (clamped.some((w, i) => w !== widths[i])) notes.push(translate('notice.widthRange', { max: MAX_WIDTH }));
      if (notes.length) {
        return {
          value: clamped,
          notice: translate('notice.adjustedWidths', { ...what(), notes: joined(notes), widths: clamped.join(',') }),
        };
      }
      return { value: widths };
    }
    case 'intlist': {
      const list = Array.isArray(raw) ? raw.map(String) : String(raw).trim().split(/[\s,]+/).filter(Boolean);
      const values = list.map((v) => (/^\d+$/.test(v) ? Number(v) : NaN));
      if (values.length >= spec.minLen && values.length <= spec.maxLen &&
        values.every((v) => v >= spec.min && v <= spec.max)) return { value: values };
      return {
        notice: translate('notice.expectedList',
          { ...what(), minLen: spec.minLen, maxLen: spec.maxLen, min: spec.min, max: spec.max }),
      };
    }
    case 'layermap': {
      const v = String(raw).trim().toLowerCase().replace(/\s+/g, '');
      if (v === '' || v === 'auto') return { value: '' };
      if (/^\d+:\d+(,\d+:\d+){0,7}$/.test(v) && !/(^|[:,])0+(?=[:,]|$)/.test(v)) return { value: v };
      return { notice: translate('notice.expectedLayerMap', what()) };
    }
    default:
      throw new Error(`schema: unknown type ${spec.type}`);
  }
}

/** Writes one value as it appears in the hash and in the form. */
export function format(key, value) {
  if (SCHEMA[key].type === 'widths') return value.length ? value.join(',') : 'linear';
  if (SCHEMA[key].type === 'bool') return value ? 'on' : 'off';
  if (SCHEMA[key].type === 'layermap') return value || 'auto';
  if (SCHEMA[key].type === 'intlist') return value.join(',');
  return String(value);
}
