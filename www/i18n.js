// The page's text catalogs: every string a visitor reads comes from www/i18n/<lang>.json (same keys in each).
//
//   t('lesson.l1.title')                  → the string in the current language
//   t('status.ready', { name: 'MNIST' })   → "{name}" placeholders filled (values are text, never markup)
//   translateDom(root)                     → fills [data-i18n] (text), [data-i18n-html] (the catalogs' own inline
//                                            markup: em, strong, code, sub, sup, br), [data-i18n-attr="attr:key;…"]
//   num(x, {digits}) / pct(x)              → numbers formatted for the current locale
//
// The language follows the link (lang=zh-CN), else the browser's languages, else English. Pure apart from fetch and
// the DOM helpers; `pickLang`, `lookup` and `fill` are importable from Node for tests.

export const LANGS = Object.freeze(['en', 'zh-CN']);
const FALLBACK = 'en';

let current = FALLBACK;
let catalog = {};
let fallback = {};
const listeners = new Set();

/** The language for a link value and the browser's language list: an exact or a primary-tag match, else English. */
export function pickLang(fromLink, browserLangs = []) {
  const norm = (s) => String(s || '').trim().toLowerCase();
  for (const want of [fromLink, ...browserLangs]) {
    const w = norm(want);
    if (!w) continue;
    const exact = LANGS.find((l) => l.toLowerCase() === w);
    if (exact) return exact;
    const primary = LANGS.find((l) => l.toLowerCase().split('-')[0] === w.split('-')[0]);
    if (primary) return primary;
  }
  return FALLBACK;
}

/** The value at a dotted key path of a catalog, or undefined. */
export function lookup(cat, key) {
  let node = cat;
  for (const part of String(key).split('.')) {
    if (node == null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** Replaces each {name} by params[name]; an unknown placeholder stays as written, so a test can see it. */
export function fill(text, params = {}) {
  return text.replace(/\{(\w+)\}/g, (m, name) => (Object.hasOwn(params, name) ? String(params[name]) : m));
}

/** The string for `key` in the current language (English where the catalog lacks it; the key itself if both do). */
export function t(key, params) {
  const text = lookup(catalog, key) ?? lookup(fallback, key);
  if (text === undefined) {
    console.warn(`i18n: missing key ${key}`);
    return key;
  }
  return params ? fill(text, params) : text;
}

/** True when the catalogs have `key`. */
export function has(key) {
  return lookup(catalog, key) !== undefined || lookup(fallback, key) !== undefined;
}

export const lang = () => current;

/** A number for the current locale: `digits` fraction digits (fixed), or as-is with grouping. */
export function num(x, { digits, min } = {}) {
  if (!Number.isFinite(x)) return String(x);
  const opts = digits === undefined ? {} : { minimumFractionDigits: min ?? digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(current, opts).format(x);
}

/** A fraction as a percentage for the current locale, e.g. 0.9812 → "98.12%". */
export function pct(fraction, digits = 2) {
  if (!Number.isFinite(fraction)) return String(fraction);
  return new Intl.NumberFormat(current, {
    style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(fraction);
}

async function fetchCatalog(code) {
  const response = await fetch(new URL(`./i18n/${code}.json`, import.meta.url));
  if (!response.ok) throw new Error(`text catalog ${code}.json: HTTP ${response.status}`);
  return response.json();
}

/** Loads the catalogs for `code` (and English beside it). Resolves to the language in force. */
export async function setLang(code) {
  const next = LANGS.includes(code) ? code : FALLBACK;
  if (!Object.keys(fallback).length) fallback = await fetchCatalog(FALLBACK);
  catalog = next === FALLBACK ? fallback : await fetchCatalog(next);
  current = next;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = next;
    translateDom(document);
  }
  for (const fn of listeners) fn(next);
  return next;
}

/** Calls `fn(lang)` after each language change. @returns {() => void} unsubscribe */
export function onLang(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const INLINE = new Set(['EM', 'STRONG', 'CODE', 'SUB', 'SUP', 'BR', 'B', 'I']);

/** Sets an element's content from catalog markup, keeping only the inline tags above (as text otherwise). */
function setInline(el, html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  const clean = (node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === 1) {
        if (!INLINE.has(child.tagName)) child.replaceWith(document.createTextNode(child.textContent));
        else {
          for (const a of [...child.attributes]) child.removeAttribute(a.name);
          clean(child);
        }
      }
    }
  };
  clean(tpl.content);
  el.replaceChildren(tpl.content);
}

/** Fills every tagged element under `root` from the catalogs. */
export function translateDom(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-html]')) setInline(el, t(el.dataset.i18nHtml));
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Sets an element's text from a key (and marks it, so that a language switch re-fills it). */
export function tag(el, key, params) {
  if (params) {
    delete el.dataset.i18n;
    el.textContent = t(key, params);
  } else {
    el.dataset.i18n = key;
    el.textContent = t(key);
  }
  return el;
}
