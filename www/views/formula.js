// The loss formula with the current run's numbers: at each evaluation, α, τ, the hard-label term CE(y, s) and the
// soft term τ²·KL(softmax(t/τ) ‖ softmax(s/τ)), both measured on the test images by the Rust core, and which of the
// two weighted terms dominates. Hovering or focusing a symbol explains it in one sentence.

import { t, num, pct } from '../i18n.js';

const SYMBOLS = ['alpha', 'ce', 'tau', 'kl'];

/** @param {HTMLElement} box */
export function createFormula(box) {
  const line = document.createElement('p');
  line.className = 'formula-line';
  const tip = document.createElement('p');
  tip.className = 'formula-tip';
  tip.id = 'formula-tip';
  tip.setAttribute('role', 'tooltip');
  tip.textContent = t('formula.tipIdle');
  const sym = (key, text) => {
    const s = document.createElement('span');
    s.className = 'sym';
    s.dataset.sym = key;
    s.tabIndex = 0;
    s.textContent = text;
    s.setAttribute('aria-describedby', 'formula-tip');
    const explain = () => {
      tip.textContent = t(`formula.sym.${key}`);
      tip.dataset.sym = key;
    };
    s.addEventListener('mouseenter', explain);
    s.addEventListener('focus', explain);
    return s;
  };
  const txt = (s) => document.createTextNode(s);
  line.append(txt('L = '), sym('alpha', 'α'), txt('·'), sym('ce', 'CE(y, s)'), txt(' + (1−α)·'), sym('tau', 'τ'),
    txt('²·'), sym('kl', 'KL(softmax(t/τ) ‖ softmax(s/τ))'));
  const values = document.createElement('p');
  values.className = 'formula-values';
  values.setAttribute('aria-live', 'polite');
  const bar = document.createElement('div');
  bar.className = 'formula-bar';
  bar.setAttribute('aria-hidden', 'true');
  const [hardBar, softBar] = ['hard', 'soft'].map((k) => {
    const b = document.createElement('span');
    b.className = `part ${k}`;
    bar.append(b);
    return b;
  });
  const note = document.createElement('p');
  note.className = 'hint formula-note';
  box.append(line, values, bar, tip, note);
  console.assert(SYMBOLS.every((k) => box.querySelector(`[data-sym="${k}"]`)));
  let other = ''; // the note for a method whose loss adds terms of its own

  return {
    /** A new run: the numbers clear; `method` decides the note. */
    clear(method) {
      values.textContent = t('formula.idle');
      bar.hidden = true;
      delete box.dataset.dominant;
      other = method && method !== 'hinton' ? t('formula.otherMethod') : '';
      note.textContent = other;
    },
    /** One evaluation of the distilled student (the worker's eval message). */
    show(msg) {
      if (msg.softLoss == null || msg.alpha == null) {
        values.textContent = t('formula.noTeacher', { ce: num(msg.testLoss, { digits: 4 }) });
        bar.hidden = true;
        return;
      }
      const hard = msg.alpha * msg.testLoss;
      const soft = (1 - msg.alpha) * msg.softLoss;
      const share = hard + soft > 0 ? soft / (hard + soft) : 0;
      values.textContent = t('formula.values', {
        step: num(msg.step), alpha: num(msg.alpha, { digits: 2 }), ce: num(msg.testLoss, { digits: 4 }),
        hard: num(hard, { digits: 4 }), tau: num(msg.tau, { digits: 2 }), tau2: num(msg.tau * msg.tau, { digits: 2 }),
        kl: num(msg.softLoss / (msg.tau * msg.tau), { digits: 5 }), soft: num(soft, { digits: 4 }),
        total: num(hard + soft, { digits: 4 }),
      });
      hardBar.style.flexGrow = String(1 - share);
      softBar.style.flexGrow = String(share);
      hardBar.textContent = t('formula.hardShare', { share: pct(1 - share, 0) });
      softBar.textContent = t('formula.softShare', { share: pct(share, 0) });
      bar.hidden = false;
      box.dataset.dominant = share > 0.5 ? 'soft' : 'hard';
      box.dataset.soft = String(soft);
      box.dataset.hard = String(hard);
      note.textContent = t(share > 0.5 ? 'formula.softDominates' : 'formula.hardDominates',
        { share: pct(Math.max(share, 1 - share), 0) }) + (other ? ` ${other}` : '');
    },
  };
}
