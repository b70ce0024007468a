// The method menu, the methods' settings fields and what each method does, in a sentence and a formula, shown under
// the settings. The menu and the fields come from the wasm's catalogue, which the worker sends once its wasm has
// started (`methods`; a restarted worker sends it again, which changes nothing); the fields a method does not use are
// hidden while it is chosen.

import { t } from '../i18n.js';
import { definedMethods } from '../state.js';
import { buildParamFields } from './method-fields.js';
import { createLayerMap } from './layermap.js';

/**
 * The keys of the defined methods (none before the catalogue): each is named by `method.name.<key>` in the text
 * catalogs and explained by `method.info.<key>`.
 */
const methodKeys = () => definedMethods()?.methods.map((m) => m.key) ?? [];

/**
 * @param {HTMLFormElement} form @param {import('../state.js').State} state
 * @param {{bind: () => void, render: () => void, openMoreIfSet: () => void}} controls the form controller
 *        (views/controls.js): binds the new fields to the State
 */
export function createMethodInfo(form, state, controls) {
  const info = form.querySelector('#method-info');
  const select = form.querySelector('#in-method');
  const box = form.querySelector('#method-fields');
  let built = null; // the catalogue the menu and the fields were built from, as JSON
  let maps = []; // the layer-mapping views of the fields
  let teacher = null; // the teacher's architecture, for the layer-mapping views

  function render() {
    const method = state.get('method');
    info.textContent = methodKeys().includes(method) ? t(`method.info.${method}`) : '';
    for (const el of form.querySelectorAll('[data-method]')) el.hidden = !el.dataset.method.split(' ').includes(method);
    for (const el of form.querySelectorAll('[data-ramp]')) el.hidden = state.get('ramp') === 'constant';
  }

  /** The catalogue from the worker: defines the State's methods, builds the menu and the fields. @returns notices */
  function define(catalogue) {
    const notices = state.defineMethods(catalogue);
    const text = JSON.stringify(catalogue);
    if (text !== built) {
      built = text;
      select.replaceChildren(...catalogue.methods.map((m) => {
        const option = new Option(t(`method.name.${m.key}`), m.key);
        option.dataset.i18n = `method.name.${m.key}`;
        return option;
      }));
      for (const view of maps) view.dispose();
      maps = buildParamFields(box, catalogue).map(({ field, key }) => createLayerMap(field, state, key));
      if (teacher) for (const view of maps) view.setTeacher(teacher);
      controls.bind();
      controls.openMoreIfSet();
      if (globalThis.__distillLabTest) globalThis.__distillLabTest.catalogue = catalogue; // the browser tests read it
    }
    controls.render();
    render();
    return notices;
  }

  state.subscribe(render);
  render();
  return {
    render,
    define,
    /** The teacher's architecture, from its model card (the layer-mapping views draw it). */
    setTeacher(arch) {
      teacher = arch;
      for (const view of maps) view.setTeacher(arch);
    },
    /** The layer mapping a run resolved ({pairs, …} from the wasm), or null. */
    showUsed(map) {
      for (const view of maps) view.showUsed(map);
    },
  };
}
