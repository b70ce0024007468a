// Two live uPlot charts: training loss per step, and test accuracy per evaluation, for the distilled student and its
// hard-label twin (the race), with the teacher as a reference.

import { t } from '../i18n.js';

import uPlot from '../vendor/uplot/uPlot.esm.js';

const COLORS = { loss: '#56b4e9', smooth: '#0072b2', baseline: '#d55e00', student: '#0072b2', teacher: '#e69f00' };
const HEIGHT = 220;
const REDRAW_MS = 250;
const SMOOTHING = 0.95; // exponential moving average of the loss

function widthOf(box) {
  return Math.max(200, Math.floor(box.clientWidth || 300));
}

function pct(u, values) {
  return values.map((v) => (v == null ? '' : `${v.toFixed(1)}%`));
}

export function createCharts(lossBox, accBox) {
  const loss = { x: [], y: [], smooth: [], base: [], ema: null, baseEma: null };
  const acc = { points: new Map(), base: new Map(), teacher: null, total: 0 };

  const lossPlot = new uPlot(
    {
      width: widthOf(lossBox),
      height: HEIGHT,
      scales: { x: { time: false } },
      axes: [{ label: t('chart.step') }, { label: t('chart.loss'), size: 60 }],
      series: [
        { label: t('chart.step') },
        { label: t('chart.kdLoss'), stroke: COLORS.loss, width: 1, points: { show: false } },
        { label: t('chart.kdSmoothed'), stroke: COLORS.smooth, width: 2, points: { show: false } },
        { label: t('chart.ceSmoothed'), stroke: COLORS.baseline, width: 2, dash: [4, 3], points: { show: false } },
      ],
      cursor: { drag: { x: true, y: false } },
    },
    [[], [], [], []],
    lossBox,
  );

  const accPlot = new uPlot(
    {
      width: widthOf(accBox),
      height: HEIGHT,
      scales: {
        x: { time: false },
        y: { range: (u, min, max) => [Math.max(0, Math.floor((min ?? 90) - 2)), 100] },
      },
      axes: [{ label: t('chart.step') }, { label: t('chart.accuracy'), size: 72, values: pct }],
      series: [
        { label: t('chart.step') },
        { label: t('chart.distilled'), stroke: COLORS.student, width: 2, spanGaps: true, points: { show: true, size: 6 } },
        { label: t('chart.hard'), stroke: COLORS.baseline, width: 2, dash: [4, 3], spanGaps: true, points: { show: true, size: 5 } },
        { label: t('chart.teacher'), stroke: COLORS.teacher, width: 2, dash: [8, 5], points: { show: false } },
      ],
    },
    [[], [], [], []],
    accBox,
  );

  let pending = false;
  let lastDraw = 0;

  function draw() {
    pending = false;
    lastDraw = performance.now();
    lossPlot.setData([loss.x, loss.y, loss.smooth, loss.base]);
    const xs = new Set([0, ...acc.points.keys()]);
    if (acc.total > 0) xs.add(acc.total);
    const x = [...xs].sort((a, b) => a - b);
    const student = x.map((s) => (acc.points.has(s) ? acc.points.get(s) : null));
    const base = x.map((s) => (acc.base.has(s) ? acc.base.get(s) : null));
    const teacher = x.map(() => acc.teacher);
    accPlot.setData([x, student, base, teacher]);
  }

  /** Redraws at most every REDRAW_MS, on an animation frame. */
  function schedule() {
    if (pending) return;
    pending = true;
    const wait = Math.max(0, REDRAW_MS - (performance.now() - lastDraw));
    setTimeout(() => requestAnimationFrame(draw), wait);
  }

  const observer = new ResizeObserver(() => {
    lossPlot.setSize({ width: widthOf(lossBox), height: HEIGHT });
    accPlot.setSize({ width: widthOf(accBox), height: HEIGHT });
  });
  observer.observe(lossBox);
  observer.observe(accBox);

  return {
    /**
     * Appends the losses of steps (firstStep, firstStep+1, …), and the hard-label twin's for the same steps when it
     * races. Non-finite losses show as gaps.
     */
    addLosses(firstStep, losses, baseline = null) {
      const ema = (prev, v) => (!Number.isFinite(v) ? prev : prev === null ? v : SMOOTHING * prev + (1 - SMOOTHING) * v);
      for (let i = 0; i < losses.length; i++) {
        const v = losses[i];
        loss.ema = ema(loss.ema, v);
        loss.x.push(firstStep + i);
        loss.y.push(Number.isFinite(v) ? v : null);
        loss.smooth.push(loss.ema);
        if (baseline && i < baseline.length) loss.baseEma = ema(loss.baseEma, baseline[i]);
        loss.base.push(baseline ? loss.baseEma : null);
      }
      schedule();
    },

    /** @param {number} accuracy 0..1 @param {number|null} baseline the twin's, 0..1 */
    addEval(step, accuracy, baseline = null) {
      acc.points.set(step, accuracy * 100);
      if (baseline !== null && baseline !== undefined) acc.base.set(step, baseline * 100);
      schedule();
    },

    /** The points drawn: {steps, losses, evals: [[step, accuracy %], …]} (the tests read them). */
    points() {
      return { steps: [...loss.x], losses: [...loss.y], evals: [...acc.points].sort((a, b) => a[0] - b[0]) };
    },

    /** The chart canvases, for PNG export: {loss, accuracy}. */
    canvases() {
      return { loss: lossPlot.ctx.canvas, accuracy: accPlot.ctx.canvas };
    },

    setTotalSteps(total) {
      acc.total = total;
      schedule();
    },

    /** @param {number|null} accuracy 0..1 */
    setTeacher(accuracy) {
      acc.teacher = accuracy == null ? null : accuracy * 100;
      schedule();
    },

    /** Draws now (at the end of a run, so that the last points show at once). */
    flush() {
      draw();
    },

    clear() {
      loss.x = [];
      loss.y = [];
      loss.smooth = [];
      loss.base = [];
      loss.ema = null;
      loss.baseEma = null;
      acc.points.clear();
      acc.base.clear();
      acc.total = 0;
      schedule();
    },
  };
}
