// The methods' settings fields, built from the wasm's catalogue (never written in index.html): one field per parameter,
// `#in-<link>` named `<link>` (the State binds it by that name, views/controls.js), with the range and default the
// catalogue gives, labelled from the text catalogs (`param.<key>.label`, `param.<key>.hint`), and shown only while a
// method that uses it is chosen (`data-method`: the keys of those methods, space-separated). A layer-mapping parameter
// also gets what views/layermap.js draws in: `#<link>-field`, `#<link>-selects`, `#<link>-svg`, `#<link>-note`.

import { has, tag, t } from '../i18n.js';
import { SCHEMA, format } from '../state.js';

const SVG = 'http://www.w3.org/2000/svg';

function element(name, attrs = {}) {
  const el = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The field of one parameter `p` of the catalogue, used by the methods `users` (keys). */
export function paramField(p, users) {
  const id = `in-${p.link}`;
  const field = element('div', { class: 'field', 'data-method': users.join(' '), 'data-param': p.key });
  const label = element('label', { for: id });
  label.append(tag(document.createElement('span'), `param.${p.key}.label`));
  if (has(`param.${p.key}.hint`)) {
    label.append(' ', tag(element('span', { class: 'hint' }), `param.${p.key}.hint`));
  }
  const input = element('input', { id, name: p.link });
  field.append(label, input);
  if (p.kind === 'layermap') {
    field.id = `${p.link}-field`;
    field.classList.add('lmap-field');
    Object.assign(input, { type: 'text', spellcheck: false, autocomplete: 'off' });
    const svg = document.createElementNS(SVG, 'svg');
    for (const [k, v] of Object.entries({ id: `${p.link}-svg`, class: 'lmap-svg', role: 'img',
      'aria-label': t('layermap.svgLabel'), 'data-i18n-attr': 'aria-label:layermap.svgLabel' })) svg.setAttribute(k, v);
    field.append(element('div', { id: `${p.link}-selects`, class: 'lmap-selects' }), svg,
      element('p', { id: `${p.link}-note`, class: 'hint lmap-note', 'aria-live': 'polite' }));
  } else {
    Object.assign(input, { type: 'number', min: p.min, max: p.max, step: p.step });
    input.inputMode = p.kind === 'int' ? 'numeric' : 'decimal';
  }
  // The value attribute holds the default (the State writes the current value into .value).
  input.defaultValue = format(p.link, SCHEMA[p.link].default);
  return field;
}

/**
 * Fills `box` with the fields of every parameter of the catalogue's methods (a parameter several methods share: one
 * field, shown for each). @returns {HTMLElement[]} the fields of the layer-mapping parameters, with their link keys.
 */
export function buildParamFields(box, catalogue) {
  const params = new Map(); // link → [param, users]
  for (const m of catalogue.methods) {
    for (const p of m.params) {
      if (params.has(p.link)) params.get(p.link)[1].push(m.key);
      else params.set(p.link, [p, [m.key]]);
    }
  }
  const fields = [...params.values()].map(([p, users]) => paramField(p, users));
  box.replaceChildren(...fields);
  return fields.filter((f) => f.classList.contains('lmap-field')).map((field) => ({ field, key: field.id.replace(/-field$/, '') }));
}
