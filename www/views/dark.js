// The dark-knowledge matrix: the teacher's mean soft label per true class at the explorer's τ (k×k for the dataset's
// k classes), the most alike pairs, and, for a hovered or focused cell, the images of class i the teacher finds most
// like class j.

import { t } from '../i18n.js';

import { createHeatmap } from './heatmap.js';
import { digitCanvas } from './canvas.js';
import { downloadCSV } from '../download.js';

const $ = (id) => document.getElementById(id);

/** @param {{state, ask, onError: (text: string) => void}} deps */
export function createDark({ state, ask, onError }) {
  let labels = [];
  let sim = null;
  let seq = 0;
  let timer = null;
  let wanted = null; // the τ of the latest request, shown or in flight
  const imageCache = new Map();
  /** The classes of the matrix on screen: its side. */
  const side = () => Math.round(Math.sqrt(sim.matrix.length));

  const heatmap = createHeatmap($('dark-matrix'), {
    rowTitle: t('dark.rowTitle'), colTitle: t('dark.colTitle'), format: (v) => v.toFixed(3),
    label: t('dark.label'), onCell: showCell,
  });
  const diag = $('in-diag');
  diag.addEventListener('change', () => state.set('diag', diag.checked ? 'show' : 'hide'));
  // The matrix at full precision, as the CLI prints it (`distill-lab analyze similarity --json`).
  $('dark-csv').addEventListener('click', () => {
    if (!sim) return;
    const k = side();
    const name = (i) => labels[i] ?? String(i);
    const rows = [['true_class', ...Array.from({ length: k }, (_, j) => name(j))]];
    for (let i = 0; i < k; i++) rows.push([name(i), ...sim.matrix.slice(i * k, i * k + k)]);
    downloadCSV(rows, `distill-lab-dark-knowledge-tau${sim.tau}.csv`);
  });

  async function showCell(cell) {
    const box = $('dark-examples');
    if (!cell || !sim) {
      $('dark-cell').textContent = '–';
      box.replaceChildren();
      return;
    }
    const { row, col, value } = cell;
    $('dark-cell').textContent = t('dark.cellText', { row: labels[row], col: labels[col], p: (value * 100).toFixed(2), tau: sim.tau.toFixed(2) });
    const ids = sim.examples[row * side() + col] || [];
    const key = ids.join(',');
    try {
      if (!imageCache.has(key)) imageCache.set(key, await ask('images', { indices: ids }));
      const { pixels } = imageCache.get(key);
      box.replaceChildren(...ids.map((id, k) => {
        const c = digitCanvas(pixels, k * 784);
        c.title = t('dark.example', { index: id });
        return c;
      }));
    } catch (e) {
      onError(t('dark.examplesFailed', { message: e.message }));
    }
  }

  async function refresh() {
    const my = ++seq;
    wanted = state.get('vtau');
    try {
      const s = await ask('similarity', { tau: wanted, k: 3 });
      if (my !== seq) return;
      sim = s;
      $('dark-csv').disabled = false;
      heatmap.setData(s.matrix, { labels, hideDiagonal: state.get('diag') === 'hide' });
      $('dark-matrix').dataset.tau = String(s.tau);
      const list = $('dark-pairs');
      list.replaceChildren(...s.pairs.slice(0, 6).map((p) => {
        const li = document.createElement('li');
        li.textContent = `${labels[p.a]} ↔ ${labels[p.b]}: ${(p.score * 100).toFixed(2)}%`;
        return li;
      }));
    } catch (e) {
      onError(t('dark.failed', { message: e.message }));
    }
  }

  return {
    onReady(classNames) {
      labels = classNames;
      diag.checked = state.get('diag') === 'show';
      imageCache.clear();
      refresh();
    },
    /** τ or the diagonal setting changed; τ moves fast with the slider, so matrix requests are debounced. */
    onState() {
      diag.checked = state.get('diag') === 'show';
      heatmap.setHideDiagonal(state.get('diag') === 'hide');
      clearTimeout(timer);
      if (wanted === state.get('vtau')) return;
      timer = setTimeout(refresh, 120);
    },
    /** The matrix on screen (for tests and export). */
    current: () => sim,
    canvas: () => heatmap.canvas,
  };
}
