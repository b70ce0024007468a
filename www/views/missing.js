// The missing 3 (Hinton et al. 2015, §3), live: a preset that trains the student on every training image but the 3s
// (or on only the 7s and 8s), then shows how many test images of the missing classes it gets right, before and after
// raising their bias by the amount that is best on 10,000 held-out training images (never the test set).

import { t, num } from '../i18n.js';

/** The preset: a student that learns the 3s within about a minute of CPU time in the browser. */
export const MISSING3_PRESET = {
  transfer: 'no3', arch: 'mlp', hidden: '128', method: 'hinton', alpha: '0.5', tau: '20', lr: '0.001', batch: '64',
  epochs: '5', limit: '0', race: 'on', ramp: 'constant', tent: '0', opt: 'adam', sched: 'constant', warmup: '0',
};


/**
 * The classes each transfer set names (as src/data/transfer.rs parses them): left out (`without`) or kept (`only`). A
 * dataset must have every one of them for the set to mean what it says.
 */
const TRANSFER_CLASSES = { no3: { without: [3] }, only78: { only: [7, 8] } };
const namedIn = (value) => Object.values(TRANSFER_CLASSES[value] || {}).flat();

/** @param {HTMLElement} panel @param {import('../state.js').State} state @param {() => void} start */
export function createMissing(panel, state, start) {
  const table = panel.querySelector('#missing-table tbody');
  const summary = panel.querySelector('#missing-summary');
  const button = panel.querySelector('#btn-missing3');
  let labels = []; // the dataset's class names
  /** Whether the loaded dataset has every class the transfer set `value` names (all: always). */
  const available = (value) => namedIn(value).every((c) => !labels.length || c < labels.length);

  button.addEventListener('click', () => {
    // Only when a run could start (not while one is training), on a dataset that has a class 3.
    if (document.getElementById('btn-start').disabled || !available(MISSING3_PRESET.transfer)) return;
    for (const [key, value] of Object.entries(MISSING3_PRESET)) state.set(key, value);
    start();
  });

  /**
   * The transfer-set choices for the dataset's classes: named by the class names (the catalog's wording while a class
   * is named by its number, as MNIST's), and unavailable where the dataset lacks a class they name.
   */
  function renderChoices() {
    const select = document.getElementById('in-transfer');
    const absent = t('classViews.transferAbsent', { count: num(labels.length) });
    for (const option of select ? select.options : []) {
      const classes = namedIn(option.value);
      if (!classes.length) continue;
      const ok = available(option.value);
      option.disabled = !ok;
      option.title = ok ? '' : absent;
      const own = ok && classes.every((c) => labels[c] === String(c));
      const spec = TRANSFER_CLASSES[option.value];
      option.textContent = !ok || own ? t(`controls.transfer.options.${option.value}`)
        : spec.without ? t('classViews.transferNo', { name: labels[spec.without[0]] })
          : t('classViews.transferOnly', { a: labels[spec.only[0]], b: labels[spec.only[1]] });
    }
    button.disabled = !available(MISSING3_PRESET.transfer);
    button.title = button.disabled ? absent : '';
  }

  return {
    /** A dataset is loaded: its class names. A transfer set it cannot have falls back to every class. */
    onReady(classNames) {
      labels = classNames.slice();
      renderChoices();
      if (!available(state.get('transfer'))) {
        state.set('transfer', 'all');
        summary.textContent = t('classViews.transferReset', { count: num(labels.length) });
      }
    },
    clear() {
      table.replaceChildren();
      summary.textContent = state.get('transfer') === 'all'
        ? t('missing.idle')
        : t('missing.training');
      delete panel.dataset.bias;
    },
    /** `students` of the run's final message: each may carry `bias` (from the wasm's biasCorrection). */
    show(students) {
      table.replaceChildren();
      const rows = Object.entries(students || {}).filter(([, s]) => s.bias);
      if (!rows.length) return;
      for (const [which, s] of rows) {
        const b = s.bias;
        const tr = document.createElement('tr');
        tr.dataset.model = which;
        const pct = (v) => (v == null ? '–' : `${(100 * v).toFixed(1)} %`);
        const cells = [t(`missing.names.${which}`), String(b.before.testErrors), pct(b.before.missingRight),
          `+${b.bias.toFixed(1)}`, String(b.after.testErrors), pct(b.after.missingRight)];
        cells.forEach((text, i) => {
          const td = document.createElement(i === 0 ? 'th' : 'td');
          if (i === 0) td.scope = 'row';
          td.textContent = text;
          tr.append(td);
        });
        table.append(tr);
      }
      const d = students.distilled?.bias;
      if (d) {
        const classes = d.classes.map((c) => labels[c] ?? String(c)).join(', ');
        panel.dataset.bias = d.bias.toFixed(1);
        summary.textContent = t(d.classes.length > 1 ? 'missing.summaryMany' : 'missing.summaryOne', {
          classes, before: (100 * d.before.missingRight).toFixed(1), bias: d.bias.toFixed(1),
          heldOut: num(d.heldOut), after: (100 * d.after.missingRight).toFixed(1),
        });
      }
    },
  };
}
