// Adversarial distillation: the discriminator's accuracy per training step (smoothed), with chance (50 %) marked.
// High: it tells the student's outputs from the teacher's; falling toward 50 %: the student has learned to pass.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { t, pct } from '../i18n.js';

const SMOOTHING = 0.9;

/** @param {HTMLElement} figure the figure to show only while the method is adversarial @param {HTMLElement} box */
export function createDiscriminatorChart(figure, box) {
  const data = { x: [], raw: [], smooth: [], chance: [], ema: null };
  const plot = new uPlot(
    {
      width: Math.max(200, Math.floor(box.clientWidth || 300)),
      height: 160,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: t('discriminator.step') },
        { label: t('discriminator.accuracy'), size: 60, values: (u, v) => v.map((x) => pct(x, 0)) }],
      series: [
        { label: t('discriminator.step') },
        { label: t('discriminator.discriminator'), stroke: '#8fd3b6', width: 1, points: { show: false } },
        { label: t('discriminator.smoothed'), stroke: '#009e73', width: 2, points: { show: false } },
        { label: t('discriminator.chance'), stroke: '#5b6472', width: 1, dash: [4, 3], points: { show: false } },
      ],
    },
    [[], [], [], []],
    box,
  );
  const redraw = () => plot.setData([data.x, data.raw, data.smooth, data.chance]);

  return {
    /** Shows the chart (adversarial runs) or hides it. */
    show(on) {
      figure.hidden = !on;
      if (on) plot.setSize({ width: Math.max(200, Math.floor(box.clientWidth || 300)), height: 160 });
    },
    /** Accuracies of the steps `first`, `first + 1`, …. */
    add(first, values) {
      values.forEach((v, i) => {
        data.ema = data.ema == null ? v : SMOOTHING * data.ema + (1 - SMOOTHING) * v;
        data.x.push(first + i);
        data.raw.push(v);
        data.smooth.push(data.ema);
        data.chance.push(0.5);
      });
      redraw();
    },
    clear() {
      Object.assign(data, { x: [], raw: [], smooth: [], chance: [], ema: null });
      redraw();
    },
    /** The latest smoothed accuracy, or null. */
    latest: () => data.ema,
    canvas: () => plot.ctx.canvas,
  };
}
