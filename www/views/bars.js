// Grouped bars of class probabilities (teacher, distilled, hard-label student), linear or log scale, one group per
// class (2 to 62). Narrow groups pack their bars tighter and label every step-th class; the tooltip names the class
// under the pointer in full, with its probabilities.

import { fit, labelStep, widthOf, INK, MUTED, GRID, SERIES } from './canvas.js';
import { t, num, pct } from '../i18n.js';

const FLOOR = 1e-6;
/** A series' name in the legend (teacher, distilled, baseline). */
const seriesName = (name) => t(`bars.series.${name}`);
/** canvas → its chart's geometry, for tests (`barsLayout`). */
const layouts = new WeakMap();

/**
 * What a bars canvas shows: {n, left, group, step, labels} (labels: as drawn, '' where thinned out), or null.
 * @param {HTMLCanvasElement} canvas
 */
export function barsLayout(canvas) {
  const l = layouts.get(canvas);
  return l ? { ...l, labels: l.labels.slice() } : null;
}

/** @param {HTMLElement} box */
export function createBars(box) {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.className = 'bars-canvas';
  box.append(canvas);
  let state = null; // {labels, series: {name: probs}, scale, truth}

  function y(p, h, top) {
    if (state.scale === 'log') {
      const f = (Math.log10(Math.max(p, FLOOR)) - Math.log10(FLOOR)) / -Math.log10(FLOOR);
      return top + h * (1 - f);
    }
    return top + h * (1 - p);
  }

  function draw() {
    const width = widthOf(box, 260);
    const height = 230;
    const ctx = fit(canvas, width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    if (!state) {
      layouts.delete(canvas);
      ctx.fillStyle = MUTED;
      ctx.fillText(t('bars.empty'), 12, 24);
      return;
    }
    const [left, top, bottom] = [44, 22, 40];
    const h = height - top - bottom;
    const n = state.labels.length;
    const group = (width - left - 8) / n;
    const names = Object.keys(state.series).filter((k) => state.series[k]);
    // 3 px either side of a group and bars of 2 px or more while that fits; else a tenth of the group either side.
    const roomy = group >= 6 + 2 * names.length;
    const pad = roomy ? 3 : group / 10;
    const bw = (group - 2 * pad) / names.length;
    const texts = state.labels.map((label) => (group < 46 && label.length > 3 ? label.slice(0, 3) : label.slice(0, 10)));
    const step = labelStep(texts.map((l) => ctx.measureText(l).width), group);
    // Every step-th label, and the true class's in place of its neighbours'.
    const near = (c) => state.truth != null && c !== state.truth && Math.abs(c - state.truth) < step;
    const drawn = texts.map((l, c) => (c === state.truth || (c % step === 0 && !near(c)) ? l : ''));
    layouts.set(canvas, { n, left, group, step, labels: drawn });
    // Axis ticks.
    ctx.strokeStyle = GRID;
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const ticks = state.scale === 'log' ? [1e-6, 1e-4, 1e-2, 1] : [0, 0.25, 0.5, 0.75, 1];
    for (const v of ticks) {
      const yy = y(v, h, top);
      ctx.beginPath();
      ctx.moveTo(left, yy);
      ctx.lineTo(width - 4, yy);
      ctx.stroke();
      ctx.fillText(state.scale === 'log' ? `1e${Math.round(Math.log10(v))}` : num(v, { digits: 2 }), left - 4, yy);
    }
    for (let c = 0; c < n; c++) {
      const x0 = left + c * group + pad;
      if (c === state.truth) {
        ctx.fillStyle = '#eef3fa';
        ctx.fillRect(x0 - pad, top, group, h);
      }
      names.forEach((name, k) => {
        const p = state.series[name][c];
        const yy = y(p, h, top);
        ctx.fillStyle = SERIES[name];
        ctx.fillRect(x0 + k * bw, yy, roomy ? bw - 1 : Math.max(0.5, bw * 0.75), top + h - yy);
      });
      ctx.fillStyle = c === state.truth ? INK : MUTED;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      if (drawn[c]) ctx.fillText(drawn[c], x0 + group / 2 - pad, top + h + 4);
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
    }
    // Legend.
    let lx = left;
    ctx.textAlign = 'left';
    for (const name of names) {
      ctx.fillStyle = SERIES[name];
      ctx.fillRect(lx, height - 12, 10, 10);
      ctx.fillStyle = INK;
      ctx.fillText(seriesName(name), lx + 14, height - 7);
      lx += ctx.measureText(seriesName(name)).width + 30;
    }
  }

  /** The tooltip: the class under the pointer, its full name and each series' probability. */
  canvas.addEventListener('pointermove', (e) => {
    const l = layouts.get(canvas);
    if (!state || !l) return;
    const c = Math.floor((e.clientX - canvas.getBoundingClientRect().left - l.left) / l.group);
    if (c < 0 || c >= l.n) {
      canvas.title = '';
      return;
    }
    const values = Object.keys(state.series).filter((k) => state.series[k])
      .map((name) => t('bars.item', { label: seriesName(name), p: pct(state.series[name][c], 2) }));
    canvas.title = t('classViews.barTitle', { label: state.labels[c], values: values.join(t('bars.joiner')) });
  });

  new ResizeObserver(() => draw()).observe(box);

  return {
    canvas,
    /**
     * @param {{labels: string[], series: {teacher?: number[], distilled?: number[], baseline?: number[]}, scale: 'linear'|'log',
     *          truth: number|null}} next
     */
    setData(next) {
      state = next;
      const teacher = next.series.teacher || [];
      const top3 = teacher.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
      const items = top3.map(([p, i]) => t('bars.item', { label: next.labels[i], p: pct(p, 1) }));
      canvas.setAttribute('aria-label', t('bars.aria', { top: items.join(t('bars.joiner')) }));
      draw();
    },
  };
}
