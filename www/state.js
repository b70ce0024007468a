// The one State of the page: the settings of schema.js, parsed from and written to the URL hash, so that a copied link
// reproduces a run (the seed included). Pure: no DOM access, importable from Node for tests.
//
// Every value that comes in (hash or form) goes through `coerce` (schema.js): malformed values are ignored (the
// previous value stays), out-of-range values are clamped, and each such event yields a plain-text notice. Until the
// methods' catalogue is defined, a link's method and the keys the schema does not know yet wait in the State, as they
// came (and stay in its links); `state.defineMethods(catalogue)` then applies them, with their notices.

import { SCHEMA, KEYS, coerce, format, quote, translate, defineMethods, definedMethods, methodInfo } from './schema.js';

export { SCHEMA, KEYS, coerce, format, defineMethods, definedMethods, methodInfo };
export { setTranslator, settingName } from './schema.js';

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

const defaultOf = (key) => {
  const d = SCHEMA[key].default;
  return Array.isArray(d) ? d.slice() : d;
};

function defaults() {
  return Object.fromEntries(KEYS.map((key) => [key, defaultOf(key)]));
}

/** Whether a raw value of `key` waits for the catalogue: the method, and any key the schema does not have yet. */
const waits = (key) => definedMethods() === null && (key === 'method' || !Object.hasOwn(SCHEMA, key));

/** One part of a hash, its value encoded (commas and colons stay readable). */
const hashPart = (key, text) =>
  `${encodeURIComponent(key)}=${encodeURIComponent(text).replace(/%2C/g, ',').replace(/%3A/g, ':')}`;

export class State {
  /** @param {object} [values] typed values; missing keys take their defaults. Not validated: use fromHash/set. */
  constructor(values = {}) {
    this.values = { ...defaults(), ...values };
    this.listeners = new Set();
    // Raw values of a link (or of set) that wait for the methods' catalogue: key → text (see defineMethods).
    this.pending = new Map();
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

  /**
   * Resets to the defaults, then applies the hash. Before the methods' catalogue, the method and the keys the schema
   * does not know yet wait, unchecked, until `defineMethods`. @returns {string[]} notices.
   */
  applyHash(hash) {
    const notices = [];
    const next = defaults();
    this.pending = new Map();
    for (const { key, value, part } of hashParts(hash)) {
      if (key === undefined) {
        notices.push(translate('notice.malformed', { part: quote(part) }));
        continue;
      }
      if (waits(key)) {
        this.pending.set(key, value);
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

  /**
   * Defines the methods from the wasm's catalogue (the module's `defineMethods`), gives the new settings their
   * defaults, then applies the values that waited for it, in the link's order. The same catalogue again does nothing.
   * @returns {string[]} the notices of the values that waited.
   */
  defineMethods(next) {
    const changed = defineMethods(next);
    if (!changed && this.pending.size === 0) return [];
    const values = {};
    for (const key of KEYS) {
      // A value of the schema before stays when it is valid in this one (not the method's '' before any catalogue).
      const had = Object.hasOwn(this.values, key) && coerce(key, this.values[key]);
      values[key] = had && 'value' in had && !had.notice ? had.value : defaultOf(key);
    }
    const notices = [];
    for (const [key, raw] of this.pending) {
      if (!Object.hasOwn(SCHEMA, key)) {
        notices.push(translate('notice.unknown', { key: quote(key) }));
        continue;
      }
      const r = coerce(key, raw);
      if (r.notice) notices.push(r.notice);
      if ('value' in r) values[key] = r.value;
    }
    this.pending = new Map();
    this.values = values;
    this.emit();
    return notices;
  }

  /**
   * The hash that reproduces this state: every setting, except optional ones and the parameters of other methods than
   * the chosen one while they are at their default; values that wait for the catalogue as they came.
   */
  toHash() {
    const parts = [];
    for (const key of KEYS) {
      const spec = SCHEMA[key];
      const value = this.values[key];
      if (key === 'method' && this.pending.has(key)) {
        parts.push(hashPart(key, this.pending.get(key)));
        continue;
      }
      const quiet = spec.optional || (spec.methods && !spec.methods.includes(this.values.method)) ||
        (key === 'method' && definedMethods() === null);
      if (quiet && format(key, value) === format(key, spec.default)) continue;
      parts.push(hashPart(key, format(key, value)));
    }
    for (const [key, raw] of this.pending) if (key !== 'method') parts.push(hashPart(key, raw));
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
   * Sets one setting from a raw value. An unusable value leaves the setting unchanged. Before the catalogue, the
   * method and the keys the schema does not know yet wait for it, as in applyHash.
   * @returns {{changed: boolean, notice?: string}}
   */
  set(key, raw) {
    if (waits(key)) {
      const changed = this.pending.get(key) !== String(raw);
      this.pending.set(key, String(raw));
      if (changed) this.emit();
      return { changed };
    }
    const r = coerce(key, raw);
    if (!('value' in r)) return { changed: false, notice: r.notice };
    const changed = format(key, r.value) !== format(key, this.values[key]);
    this.values[key] = r.value;
    if (changed) this.emit();
    return { changed, notice: r.notice };
  }

  /** The config object for `Lab.start` (settings that are off become null); each method parameter by its key. */
  toConfig() {
    const config = {};
    for (const key of KEYS) {
      const spec = SCHEMA[key];
      if (!spec.config) continue;
      const value = this.get(key);
      config[spec.config] = spec.off && !(value > 0) ? null : value;
    }
    if (config.ramp === 'constant') config.tauEnd = null;
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
