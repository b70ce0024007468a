// An n×n heatmap on a canvas (n = the classes, 2 to 62): viridis colours (linear or log), optional hidden diagonal,
// hover and keyboard focus. The cells shrink with n; when the axis labels no longer fit, every step-th is drawn, long
// names are cut with "…", and the focused cell's full names and value are written under the colour bar (and in the
// canvas's tooltip, always).

import { fit, fitText, labelStep, viridis, widthOf, FONT, INK, MUTED } from './canvas.js';
import { t, num } from '../i18n.js';

/** The height of a line of axis labels (12-px font), in CSS pixels. */
const LINE = 14;
/** canvas → its heatmap's geometry, for tests (`heatmapLayout`). */
const layouts = new WeakMap();

/**
 * What a heatmap canvas shows: {n, left, top, cell, step, rowStep, compact, rows, cols} (rows / cols: the axis labels as drawn,
 * '' where thinned out), or null before its first data.
 * @param {HTMLCanvasElement} canvas
 */
export function heatmapLayout(canvas) {
  const l = layouts.get(canvas);
  return l ? { ...l, rows: l.rows.slice(), cols: l.cols.slice() } : null;
}

/**
 * @param {HTMLElement} box
 * @param {{rowTitle?: string, colTitle?: string, format?: (v: number) => string, onCell?: (cell: {row, col, value}|null) => void,
 *          label?: string}} options
 */
export function createHeatmap(box, options = {}) {
  const format = options.format || ((v) => num(v, { digits: 2 }));
  const canvas = document.createElement('canvas');
  canvas.className = 'heatmap';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  box.append(canvas);
  let data = null; // {values, labels, scale, hideDiagonal}
  let focus = null; // {row, col}
  let layout = null;

  function range() {
    const vals = [];
    const n = data.labels.length;
    data.values.forEach((v, i) => {
      if (!(data.hideDiagonal && Math.floor(i / n) === i % n) && Number.isFinite(v)) vals.push(v);
    });
    const lo = data.scale === 'log' ? Math.max(Math.min(...vals.filter((v) => v > 0)), 1e-6) : Math.min(0, ...vals);
    return { lo, hi: Math.max(...vals, lo * 10, 1e-12) };
  }

  /** Where v lies on the colour scale, in [0, 1]. */
  function frac(v, { lo, hi }) {
    if (data.scale === 'log') return v <= 0 ? 0 : (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1);
    return (v - lo) / (hi - lo || 1);
  }

  /** Where the cells and labels go in a canvas `width` wide (measured with the canvas's font). */
  function plan(width) {
    const m = canvas.getContext('2d');
    m.font = FONT;
    const n = data.labels.length;
    const widths = data.labels.map((l) => m.measureText(l).width);
    const left = Math.min(90, Math.max(...widths) + 30);
    const top = 30;
    const cell = Math.floor((width - left - 6) / n);
    // Row labels end 6 px left of the cells and keep 18 px for the row title; longer names are cut.
    const room = left - 24;
    const rows = data.labels.map((l, i) => (widths[i] > room ? fitText(m, l, room) : l));
    const cols = data.labels.map((l, j) => (l.length > 4 ? `${j}` : l));
    // Every rowStep-th row label and step-th column label, so that neighbours do not overlap (1 while all fit).
    const rowStep = Math.max(1, Math.ceil(LINE / cell));
    const step = labelStep(cols.map((l) => m.measureText(l).width), cell, rowStep);
    const compact = step > 1 || rows.some((l, i) => l !== data.labels[i]);
    const every = (labels, k) => labels.map((l, i) => (i % k === 0 ? l : ''));
    return { n, left, top, cell, step, rowStep, compact, rows: every(rows, rowStep), cols: every(cols, step) };
  }

  function draw() {
    const width = Math.min(440, widthOf(box, 260));
    const p = data && data.labels.length ? plan(width) : null;
    // A compact matrix has one more line under the colour bar: the focused cell, in full.
    const height = width + 24 + (p?.compact ? 18 : 0);
    const ctx = fit(canvas, width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    if (!p) {
      layout = null;
      layouts.delete(canvas);
      ctx.fillStyle = MUTED;
      ctx.fillText(t('heatmap.empty'), 12, 24);
      return;
    }
    const { n, left, top, cell } = p;
    layout = p;
    layouts.set(canvas, p);
    const r = range();
    const gap = cell >= 8 ? 1 : 0; // tiny cells touch, so that their colour still shows
    ctx.textBaseline = 'middle';
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = data.values[i * n + j];
        const x = left + j * cell;
        const y = top + i * cell;
        const hidden = data.hideDiagonal && i === j;
        const [cr, cg, cb] = viridis(frac(v, r));
        ctx.fillStyle = hidden ? '#c9ced6' : `rgb(${cr},${cg},${cb})`;
        ctx.fillRect(x, y, cell - gap, cell - gap);
        if (cell >= 32 && Number.isFinite(v)) {
          ctx.fillStyle = hidden || frac(v, r) > 0.6 ? INK : '#fff';
          ctx.textAlign = 'center';
          ctx.fillText(format(v), x + cell / 2, y + cell / 2);
        }
      }
      ctx.fillStyle = INK;
      ctx.textAlign = 'right';
      if (p.rows[i]) ctx.fillText(p.rows[i], left - 6, top + i * cell + cell / 2);
    }
    ctx.textAlign = 'center';
    for (let j = 0; j < n; j++) {
      if (p.cols[j]) ctx.fillText(p.cols[j], left + j * cell + cell / 2, top - 8);
    }
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'left';
    if (options.colTitle) ctx.fillText(options.colTitle, left, 10);
    if (options.rowTitle) {
      ctx.save();
      ctx.translate(10, top + (n * cell) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.fillText(options.rowTitle, 0, 0);
      ctx.restore();
    }
    // Colour bar.
    const by = top + n * cell + 10;
    for (let k = 0; k < 100; k++) {
      const [cr, cg, cb] = viridis(k / 99);
      ctx.fillStyle = `rgb(${cr},${cg},${cb})`;
      ctx.fillRect(left + (k * (n * cell)) / 100, by, (n * cell) / 100 + 1, 8);
    }
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'left';
    ctx.fillText(format(r.lo), left, by + 18);
    ctx.textAlign = 'right';
    ctx.fillText(data.scale === 'log' ? t('heatmap.log', { value: format(r.hi) }) : format(r.hi), left + n * cell, by + 18);
    if (focus) {
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 3;
      ctx.strokeRect(left + focus.col * cell - 1, top + focus.row * cell - 1, cell + 1, cell + 1);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(left + focus.col * cell - 1, top + focus.row * cell - 1, cell + 1, cell + 1);
      if (p.compact) {
        ctx.fillStyle = INK;
        ctx.textAlign = 'left';
        ctx.fillText(fitText(ctx, cellText(), width - left - 4), left, by + 36);
      }
    }
  }

  /** The focused cell's full names and value. */
  function cellText() {
    const { row, col } = focus;
    return t('classViews.cellTitle', { row: data.labels[row], col: data.labels[col], value: format(data.values[row * data.labels.length + col]) });
  }

  function report() {
    canvas.title = focus && data ? cellText() : '';
    if (!options.onCell) return;
    if (!focus || !data) return options.onCell(null);
    const { row, col } = focus;
    options.onCell({ row, col, value: data.values[row * data.labels.length + col] });
  }

  canvas.addEventListener('pointermove', (e) => {
    if (!layout || !data) return;
    const rect = canvas.getBoundingClientRect();
    const col = Math.floor((e.clientX - rect.left - layout.left) / layout.cell);
    const row = Math.floor((e.clientY - rect.top - layout.top) / layout.cell);
    const inside = row >= 0 && col >= 0 && row < layout.n && col < layout.n;
    const next = inside ? { row, col } : null;
    if (JSON.stringify(next) === JSON.stringify(focus)) return;
    focus = next;
    draw();
    report();
  });
  canvas.addEventListener('keydown', (e) => {
    if (!data) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (!moves[e.key]) return;
    e.preventDefault();
    const n = data.labels.length;
    const [dr, dc] = moves[e.key];
    const cur = focus || { row: 0, col: 1 };
    focus = { row: Math.min(n - 1, Math.max(0, cur.row + dr)), col: Math.min(n - 1, Math.max(0, cur.col + dc)) };
    draw();
    report();
  });
  new ResizeObserver(() => draw()).observe(box);

  return {
    canvas,
    /** @param {ArrayLike<number>} values n×n row-major @param {{labels: string[], scale?: 'linear'|'log', hideDiagonal?: boolean}} opts */
    setData(values, opts) {
      // n follows the matrix; class names that do not match it (none yet, another dataset's) give way to numbers.
      const side = Math.round(Math.sqrt(values.length));
      const labels = opts.labels?.length === side ? opts.labels : Array.from({ length: side }, (_, i) => String(i));
      data = { values: Array.from(values), labels, scale: opts.scale || 'linear', hideDiagonal: !!opts.hideDiagonal };
      if (focus && (focus.row >= side || focus.col >= side)) focus = null;
      const n = data.labels.length;
      let best = null;
      data.values.forEach((v, i) => {
        if (Math.floor(i / n) !== i % n && (!best || v > best.v)) best = { v, i };
      });
      const summary = best
        ? t('heatmap.largest', { row: data.labels[Math.floor(best.i / n)], col: data.labels[best.i % n], value: format(best.v) })
        : '';
      canvas.setAttribute('aria-label', t('heatmap.aria', { label: options.label || t('heatmap.matrix'), n, summary }));
      draw();
      report();
    },
    setHideDiagonal(hide) {
      if (data) data.hideDiagonal = hide;
      draw();
    },
    clear() {
      data = null;
      focus = null;
      canvas.title = '';
      draw();
    },
    /** The values shown, for tests and export. */
    values: () => (data ? data.values.slice() : null),
  };
}
