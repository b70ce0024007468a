// The capacity "law" as a chart: measured (C_S/C_T, Acc_S/Acc_T) points on a log axis and the fitted logistic
// 1 / (1 + e^(−k(c − θ))), drawn on 120 log-spaced capacities. Used by the Experiments panel and the live sweep.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { t, num, pct } from '../i18n.js';

/** Draws into `box` (replacing `previous`, a uPlot or null); returns the new uPlot. */
export function drawCapacityChart(box, previous, points, fit) {
  if (previous) previous.destroy();
  const runs = points.map(([c, r]) => [c, r, null]);
  const [lo, hi] = [Math.min(...runs.map((p) => p[0])), Math.max(...runs.map((p) => p[0]))];
  const dense = Array.from({ length: 120 }, (_, i) => lo * (hi / lo) ** (i / 119))
    .map((c) => [c, null, 1 / (1 + Math.exp(-fit.k * (c - fit.theta)))]);
  const all = [...runs, ...dense].sort((a, b) => a[0] - b[0]);
  const [xs, ys, curve] = [0, 1, 2].map((i) => all.map((p) => p[i]));
  return new uPlot({
    width: Math.max(260, Math.min(640, box.clientWidth || 480)),
    height: 240,
    scales: { x: { time: false, distr: 3 }, y: { range: [0, 1.05] } },
    axes: [{ label: t('capacity.axisX') }, { label: t('capacity.axisY'), size: 60 }],
    series: [{ label: t('capacity.seriesX') },
      { label: t('capacity.runs'), stroke: '#0072b2', width: 0, points: { show: true, size: 6 } },
      { label: t('capacity.fitted'), stroke: '#d55e00', width: 2, points: { show: false }, spanGaps: true }],
  }, [xs, ys, curve], box);
}

/**
 * One sentence on a fit: k, θ, R² and what the curve says at 30 % capacity. The fitted parameters are written as in
 * the formula (fixed digits, no grouping); the share in the page's locale.
 */
export function fitSentence(fit, runs, at30) {
  return t('capacity.fit', { runs: num(runs), k: fit.k.toFixed(2), theta: fit.theta.toFixed(4), r2: fit.r2.toFixed(3),
    share: pct(at30, 1) });
}
