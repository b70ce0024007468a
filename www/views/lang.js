// The language switch in the header: English / 简体中文. The choice goes into the link (lang=…) and the page reloads
// in that language, so every view renders from the new catalog.

import { LANGS, lang, t } from '../i18n.js';

/** @param {HTMLSelectElement} select @param {import('../state.js').State} state @param {() => void} onChange */
export function createLangSwitch(select, state, onChange) {
  select.replaceChildren(...LANGS.map((code) => {
    const o = document.createElement('option');
    o.value = code;
    o.textContent = t(`lang.${code}`);
    return o;
  }));
  select.value = lang();
  select.addEventListener('change', () => {
    state.set('lang', select.value);
    onChange();
  });
}
