// Why τ²: the soft loss's gradient norm versus τ, with and without the τ² factor, from the real autodiff.

import { t } from '../i18n.js';

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { widthOf } from './canvas.js';

const $ = (id) => document.getElementById(id);

/** @param {{state, ask, onError: (text: string) => void}} deps */
export function createWhy({ state, ask, onError }) {
  const box = $('gradient-plot');
  const plot = new uPlot({
    width: widthOf(box), height: 220,
    scales: { x: { time: false, distr: 3, range: () => [0.5, 20] }, y: { distr: 3 } },
    axes: [{ label: 'τ' }, { label: '‖∇θ‖', size: 64, values: (u, v) => v.map((x) => (x == null ? '' : x.toPrecision(2))) }],
    series: [{ label: 'τ' },
      { label: t('why.plain'), stroke: '#d55e00', width: 2, dash: [5, 4], points: { show: false } },
      { label: 'τ²·KL', stroke: '#0072b2', width: 2, points: { show: false } }],
  }, [[], [], []], box);
  new ResizeObserver(() => plot.setSize({ width: widthOf(box), height: 220 })).observe(box);
  let points = null;

  async function refresh() {
    try {
      const r = await ask('gradient', { n: 24, hidden: state.get('hidden'), seed: state.get('seed') });
      points = r.points;
      plot.setData([points.map((p) => p.tau), points.map((p) => p.plain), points.map((p) => p.scaled)]);
      const at = (t) => points.reduce((a, b) => (Math.abs(b.tau - t) < Math.abs(a.tau - t) ? b : a));
      const [lo, hi] = [at(4), at(20)];
      $('why-source').textContent = t('why.source', {
        source: r.step == null ? t('why.fresh', { spec: r.spec }) : t('why.distilledAt', { step: r.step }), batch: r.batch, lo: lo.tau.toFixed(1), hi: hi.tau.toFixed(0),
        shrink: (lo.plain / hi.plain).toFixed(0), change: (hi.scaled / lo.scaled).toFixed(2),
      });
      $('why-refresh').disabled = false;
    } catch (e) {
      onError(t('why.failed', { message: e.message }));
    }
  }
  $('why-refresh').addEventListener('click', refresh);

  return { refresh, canvas: () => plot.ctx.canvas, points: () => points };
}
