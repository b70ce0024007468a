// Why τ²: the soft loss's gradient norm versus τ, with and without the τ² factor, from the real autodiff.

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
      { label: 'KL alone', stroke: '#d55e00', width: 2, dash: [5, 4], points: { show: false } },
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
      $('why-source').textContent = `Measured on ${r.source}, ${r.batch} training images. From τ = ${lo.tau.toFixed(1)} ` +
        `to τ = ${hi.tau.toFixed(0)} the plain gradient shrinks ${(lo.plain / hi.plain).toFixed(0)}×; ` +
        `with τ² it changes only ${(hi.scaled / lo.scaled).toFixed(2)}×.`;
      $('why-refresh').disabled = false;
    } catch (e) {
      onError(`why τ²: ${e.message}`);
    }
  }
  $('why-refresh').addEventListener('click', refresh);

  return { refresh, canvas: () => plot.ctx.canvas, points: () => points };
}
