// Lesson 1's view: one test image and the teacher's soft labels at τ = 1 and at τ = 4, side by side, on a log
// scale so that the small probabilities — the dark knowledge — show. Drawn as soon as the soft labels are loaded.

import { t, pct } from '../i18n.js';
import { createBars } from '../views/bars.js';
import { paintDigit } from '../views/canvas.js';
import { softmaxTau } from '../softmax.js';

const TAUS = [1, 4];

export function createSoftPair() {
  const el = document.createElement('div');
  el.className = 'soft-pair';
  const head = document.createElement('div');
  head.className = 'soft-pair-head';
  const image = document.createElement('canvas');
  image.width = 28;
  image.height = 28;
  image.className = 'digit big';
  image.setAttribute('role', 'img');
  image.setAttribute('aria-label', t('lesson.teacher.imageLabel'));
  const caption = document.createElement('p');
  caption.className = 'soft-pair-caption';
  caption.textContent = t('lesson.loadingSoft');
  head.append(image, caption);
  el.append(head);
  const charts = TAUS.map((tau) => {
    const fig = document.createElement('figure');
    fig.className = 'chart';
    fig.dataset.tau = String(tau);
    const cap = document.createElement('figcaption');
    cap.textContent = t('lesson.teacher.chart', { tau });
    const box = document.createElement('div');
    box.className = 'bars-box';
    fig.append(cap, box);
    el.append(fig);
    return { tau, fig, bars: createBars(box), note: cap };
  });

  /** @param {{teacher: number[], image: Uint8Array|number[], label: number}} answer @param {string[]} labels */
  el.draw = (answer, labels) => {
    paintDigit(image, answer.image);
    for (const c of charts) {
      const p = softmaxTau(answer.teacher, c.tau);
      c.bars.setData({ labels, series: { teacher: p }, scale: 'log', truth: answer.label });
      const rest = 1 - Math.max(...p);
      c.fig.dataset.rest = String(rest);
      c.note.textContent = t('lesson.teacher.chartRest', { tau: c.tau, rest: pct(rest, 2) });
    }
    const p4 = softmaxTau(answer.teacher, 4);
    const second = p4.map((v, j) => (j === answer.label ? -1 : v));
    const j = second.indexOf(Math.max(...second));
    caption.textContent = t('lesson.teacher.caption', { label: labels[answer.label], other: labels[j], p: pct(p4[j], 1) });
    el.dataset.drawn = 'true';
  };
  return { el };
}
