// The settings form and the Start / Pause / Reset buttons. Reads and writes only through the State: each setting's
// field is the form element named by its key; the methods' fields, built when the catalogue arrives
// (views/method-fields.js), are bound then (`bind`).

import { KEYS, SCHEMA, format } from '../state.js';
import { t } from '../i18n.js';

/**
 * @param {HTMLFormElement} form
 * @param {import('../state.js').State} state
 * @param {{onNotice: (text: string) => void, onStart: () => void, onPause: () => void, onResume: () => void,
 *          onReset: () => void, onCopy: () => void}} handlers
 */
export function createControls(form, state, handlers) {
  const inputs = {};
  const buttons = {
    start: form.querySelector('#btn-start'),
    pause: form.querySelector('#btn-pause'),
    reset: form.querySelector('#btn-reset'),
    copy: form.querySelector('#btn-copy'),
  };
  let paused = false;

  /** Writes the state into the form (after a hash change, or to show a clamped value). */
  function render() {
    for (const [key, el] of Object.entries(inputs)) {
      if (el.type === 'checkbox') {
        el.checked = Boolean(state.get(key));
        continue;
      }
      const text = format(key, state.get(key));
      if (el.value !== text) el.value = text;
    }
  }

  let locked = false; // the settings are locked (a run exists, or the page is loading)

  /** Binds the form elements of the settings not bound yet (the methods' fields once they exist), then renders. */
  function bind() {
    for (const key of Object.keys(inputs)) if (!KEYS.includes(key) || !form.contains(inputs[key])) delete inputs[key];
    for (const key of KEYS) {
      const el = form.elements.namedItem(key);
      if (!el || inputs[key] === el) continue;
      inputs[key] = el;
      el.disabled = locked;
      el.addEventListener('change', () => {
        const { notice } = state.set(key, el.type === 'checkbox' ? el.checked : el.value);
        if (notice) handlers.onNotice(notice);
        render();
      });
    }
    render();
  }
  // Enter in a text field applies the value instead of submitting the form.
  form.addEventListener('submit', (event) => event.preventDefault());

  buttons.start.addEventListener('click', () => handlers.onStart());
  buttons.pause.addEventListener('click', () => (paused ? handlers.onResume() : handlers.onPause()));
  buttons.reset.addEventListener('click', () => handlers.onReset());
  buttons.copy.addEventListener('click', () => handlers.onCopy());

  /**
   * Enables what makes sense in a page state.
   * @param {string} pageState loading|ready|running|paused|done|error
   * @param {boolean} canStart data and teacher are loaded
   */
  function setMode(pageState, canStart) {
    const busy = pageState === 'running' || pageState === 'paused';
    paused = pageState === 'paused';
    buttons.start.disabled = !canStart || busy || pageState === 'loading';
    buttons.pause.disabled = !busy;
    buttons.pause.textContent = t(paused ? 'controls.resume' : 'controls.pause');
    buttons.pause.setAttribute('aria-pressed', String(paused));
    buttons.reset.disabled = !(busy || pageState === 'done' || (pageState === 'error' && canStart));
    // Settings are locked while a run exists; the dataset too, since changing it reloads everything.
    locked = busy || pageState === 'loading';
    for (const el of Object.values(inputs)) el.disabled = locked;
  }

  /** Opens "More settings" when the State sets one of them away from its default (e.g. from a link). */
  function openMoreIfSet() {
    const more = form.querySelector('#more-settings');
    const keys = [...more.querySelectorAll('[name]')].map((el) => el.name).filter((k) => SCHEMA[k]);
    if (keys.some((k) => format(k, state.get(k)) !== format(k, SCHEMA[k].default))) more.open = true;
  }

  bind();
  return { render, bind, setMode, openMoreIfSet };
}
