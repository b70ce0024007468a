// The one State of the page: a declared schema of settings, parsed from and written to the URL hash, so that a
// copied link reproduces a run (the seed included). Pure: no DOM access, importable from Node for tests.
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

let translate = t;

/** Sets the function that turns a catalog key and its {placeholders} into text (null: back to i18n.js's `t`). */
export function setTranslator(fn) {
  translate = fn || t;
}

const MAX_HIDDEN_LAYERS = 4;
const MAX_WIDTH = 4096;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The settings. `key` is the name in the URL hash; `config` the field of the wasm `Lab.start` config (absent for
 * settings that are not part of it); `label` the catalog key of its name in notices.
 */
export const SCHEMA = Object.freeze({
  dataset: { type: 'enum', values: ['mnist', 'fashion'], default: 'mnist', label: 'setting.dataset' },
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
  // The distillation method and its settings (src/train/config.rs); see views/method.js for what each one does.
  method: {
    type: 'enum', default: 'hinton', label: 'setting.method', config: 'method',
    values: ['hinton', 'dkd', 'multi-average', 'multi-confidence', 'fitnets', 'fitnets-two-stage', 'attention', 'rkd', 'adversarial', 'data-free', 'progressive', 'fsp', 'qat'],
  },
  // Quantization-aware KD: bits of the student's weights and activations.
  bits: { type: 'int', min: 2, max: 8, default: 8, label: 'setting.bits', config: 'bits' },
  // Progressive distillation (views/layermap.js): teacher:student layer pairs, '' = automatic.
  lmap: { type: 'layermap', default: '', label: 'setting.lmap', config: 'layerMap', optional: true },
  // mlp: hidden = dense widths; cnn: hidden = channels of the two conv blocks and the dense width (e.g. 8,16,64).
  arch: { type: 'enum', values: ['mlp', 'cnn'], default: 'mlp', label: 'setting.arch', config: 'arch' },
  dkdb: { type: 'float', min: 0, max: 100, default: 8, label: 'setting.dkdb', config: 'dkdBeta' },
  ramp: { type: 'enum', values: ['constant', 'linear', 'cosine'], default: 'constant', label: 'setting.ramp', config: 'ramp' },
  tauend: { type: 'float', min: 0.5, max: 20, default: 1, label: 'setting.tauend', config: 'tauEnd' },
  // 0 = off; otherwise every example gets the τ that gives the teacher's output this many bits of entropy.
  tent: { type: 'float', min: 0, max: 3.3, default: 0, label: 'setting.tent', config: 'targetEntropy' },
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

/** Keys in the order they are written to the hash. */
export const KEYS = Object.freeze(Object.keys(SCHEMA));

/** The name of a setting in notices: its label, with the hash key beside it when they differ ("α (alpha)"). */
export function settingName(key) {
  const label = translate(SCHEMA[key].label);
  return label === key ? key : translate('notice.name', { label, key });
}

/** Shortens untrusted text for a notice (it is still shown as text only). */
function quote(text) {
  const s = String(text);
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

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
      if (v < spec.min || v > spec.max) {
        v = Math.min(spec.max, Math.max(spec.min, v));
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

/** The parts of a URL hash, decoded: {key, value}, or {part} alone for a part that does not decode. */
function hashParts(hash) {
  const out = [];
  for (const part of String(hash ?? '').replace(/^#/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      out.push({ key: decodeURIComponent(rawKey.replace(/\+/g, ' ')), value: decodeURIComponent(rawValue.replace(/\+/g, ' ')) });
    } catch {
      out.push({ part });
    }
  }
  return out;
}

/**
 * The raw value of one key in a URL hash (decoded, not validated; the last one wins, as in applyHash), or null.
 * Builds no notice, so it can read the language from the link before the catalogs are loaded.
 */
export function hashParam(hash, key) {
  let value = null;
  for (const p of hashParts(hash)) if (p.key === key) value = p.value;
  return value;
}

function defaults() {
  const out = {};
  for (const key of KEYS) {
    const d = SCHEMA[key].default;
    out[key] = Array.isArray(d) ? d.slice() : d;
  }
  return out;
}

export class State {
  /** @param {object} [values] typed values; missing keys take their defaults. Not validated: use fromHash/set. */
  constructor(values = {}) {
    this.values = { ...defaults(), ...values };
    this.listeners = new Set();
  }

  /**
   * Parses a URL hash ("#a=1&b=2" or "a=1&b=2"). Never throws.
   * @returns {{state: State, notices: string[]}}
   */
  static fromHash(hash) {
    const state = new State();
    const notices = state.applyHash(hash);
    return { state, notices };
  }

  /** Resets to the defaults, then applies the hash. @returns {string[]} notices. */
  applyHash(hash) {
    const notices = [];
    const next = defaults();
    for (const { key, value, part } of hashParts(hash)) {
      if (key === undefined) {
        notices.push(translate('notice.malformed', { part: quote(part) }));
        continue;
      }
      if (!Object.hasOwn(SCHEMA, key)) {
        notices.push(translate('notice.unknown', { key: quote(key) }));
        continue;
      }
      const r = coerce(key, value);
      if (r.notice) notices.push(r.notice);
      if ('value' in r) next[key] = r.value;
    }
    this.values = next;
    this.emit();
    return notices;
  }

  /** The hash that reproduces this state: every setting, optional ones only when not at their default. */
  toHash() {
    const parts = [];
    for (const key of KEYS) {
      const spec = SCHEMA[key];
      const value = this.values[key];
      if (spec.optional && format(key, value) === format(key, spec.default)) continue;
      parts.push(`${key}=${encodeURIComponent(format(key, value)).replace(/%2C/g, ',').replace(/%3A/g, ':')}`);
    }
    return '#' + parts.join('&');
  }

  /** The visitor's answer to lesson n's question (kept for the page's life, not in the link), or undefined. */
  answer(n) {
    return this.answers?.[n];
  }

  /** Records the answer to lesson n's question. */
  setAnswer(n, value) {
    this.answers = { ...this.answers, [n]: String(value) };
    this.emit();
  }

  get(key) {
    if (!Object.hasOwn(SCHEMA, key)) throw new Error(`unknown setting ${key}`);
    const v = this.values[key];
    return Array.isArray(v) ? v.slice() : v;
  }

  /**
   * Sets one setting from a raw value. An unusable value leaves the setting unchanged.
   * @returns {{changed: boolean, notice?: string}}
   */
  set(key, raw) {
    const r = coerce(key, raw);
    if (!('value' in r)) return { changed: false, notice: r.notice };
    const changed = format(key, r.value) !== format(key, this.values[key]);
    this.values[key] = r.value;
    if (changed) this.emit();
    return { changed, notice: r.notice };
  }

  /** The config object for `Lab.start` (settings that are off become null). */
  toConfig() {
    const config = {};
    for (const key of KEYS) {
      const field = SCHEMA[key].config;
      if (field) config[field] = this.get(key);
    }
    if (config.ramp === 'constant') config.tauEnd = null;
    if (!(config.targetEntropy > 0)) config.targetEntropy = null;
    return config;
  }

  /** Calls `fn(state)` after every change. @returns {() => void} unsubscribe. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit() {
    for (const fn of this.listeners) fn(this);
  }
}
