// What each distillation method does, in a sentence and a formula, shown under the settings; the fields that only one
// method uses are hidden for the others.

import { t } from '../i18n.js';
import { SCHEMA } from '../state.js';

/** The methods: the text of each is `method.info.<method>` and its name `method.name.<method>` in the catalogs. */
const METHODS = SCHEMA.method.values;

/** A method's name in the page's language. */
export const methodName = (method) => (METHODS.includes(method) ? t(`method.name.${method}`) : method);

/** @param {HTMLFormElement} form @param {import('../state.js').State} state */
export function createMethodInfo(form, state) {
  const info = form.querySelector('#method-info');
  // The method select's options are named from the catalogs.
  for (const option of form.querySelector('#in-method')?.options ?? []) {
    if (METHODS.includes(option.value)) option.textContent = methodName(option.value);
  }
  function render() {
    const method = state.get('method');
    info.textContent = METHODS.includes(method) ? t(`method.info.${method}`) : '';
    for (const el of form.querySelectorAll('[data-method]')) el.hidden = el.dataset.method !== method;
    for (const el of form.querySelectorAll('[data-ramp]')) el.hidden = state.get('ramp') === 'constant';
  }
  state.subscribe(render);
  render();
  return { render };
}
