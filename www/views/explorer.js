// The temperature explorer: a gallery of test images and a drawing pad; the teacher's (and the students')
// softened distribution at τ as bars, and the entropy-vs-τ curve with the current τ marked.

import { t, num } from '../i18n.js';

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { createBars } from './bars.js';
import { createPad } from './pad.js';
import { digitCanvas, paintDigit, widthOf, SERIES } from './canvas.js';
import { softmaxTau, entropyBits, tauFromSlider, sliderFromTau } from '../softmax.js';

const $ = (id) => document.getElementById(id);
const CURVE_TAUS = Array.from({ length: 61 }, (_, i) => tauFromSlider(i / 60));

/** @param {{state, ask, onError: (text: string) => void}} deps */
export function createExplorer({ state, ask, onError }) {
  const bars = createBars($('bars'));
  const pad = createPad($('drawpad'), { onChange: inspectDrawing });
  const slider = $('in-vtau');
  const logBox = $('in-logscale');
  let labels = [];
  let current = null; // {kind: 'test'|'draw', index?, label, image, teacher, students}
  let seq = 0; // drops answers to superseded requests
  /** The most bits a distribution over the classes can have: log2 of their number (the answer's, else the names'). */
  const maxBits = () => Math.log2(Math.max(2, current?.teacher?.length || labels.length));

  const entropyPlot = new uPlot({
    width: widthOf($('entropy-plot')), height: 180,
    scales: { x: { time: false, distr: 3, range: () => [0.5, 20] }, y: { range: () => [0, maxBits() + 0.1] } },
    axes: [{ label: 'τ' }, { label: t('explorer.bits'), size: 50 }],
    series: [{ label: 'τ' },
      { label: t('explorer.teacher'), stroke: SERIES.teacher, width: 2, points: { show: false } },
      { label: t('explorer.distilled'), stroke: SERIES.distilled, width: 2, points: { show: false } },
      { label: t('explorer.currentTau'), stroke: '#1d2330', width: 0, points: { show: true, size: 9, fill: '#1d2330' } }],
  }, [[], [], [], []], $('entropy-plot'));
  new ResizeObserver(() => entropyPlot.setSize({ width: widthOf($('entropy-plot')), height: 180 })).observe($('entropy-plot'));
  const entropyCaption = $('entropy-plot').parentElement.querySelector('.chart-caption');

  function render() {
    const tau = state.get('vtau');
    $('vtau-out').textContent = tau.toFixed(tau < 10 ? 2 : 1);
    slider.value = String(Math.round(sliderFromTau(tau) * 1000));
    logBox.checked = state.get('scale') === 'log';
    if (!current) return;
    const series = { teacher: softmaxTau(current.teacher, tau) };
    for (const k of ['distilled', 'baseline']) if (current.students?.[k]) series[k] = softmaxTau(current.students[k], tau);
    bars.setData({ labels, series, scale: state.get('scale'), truth: current.label ?? null });
    const xs = [...new Set([...CURVE_TAUS, tau])].sort((a, b) => a - b);
    const ent = (logits) => xs.map((t) => entropyBits(softmaxTau(logits, t)));
    const d = current.students?.distilled;
    entropyPlot.setData([xs, ent(current.teacher), d ? ent(d) : xs.map(() => null),
      xs.map((t) => (t === tau ? entropyBits(series.teacher) : null))]);
    const top = series.teacher.indexOf(Math.max(...series.teacher));
    const what = current.kind === 'draw' ? t('explorer.drawing')
      : t('explorer.testImage', { index: current.index, label: labels[current.label] });
    const students = ['distilled', 'baseline'].filter((k) => current.students?.[k]).map((k) => {
      const p = softmaxTau(current.students[k], 1);
      return t(`explorer.says.${k}`, { label: labels[p.indexOf(Math.max(...p))] });
    });
    $('inspect-caption').textContent = t('explorer.caption', {
      what, label: labels[top], p: (series.teacher[top] * 100).toFixed(1), tau: tau.toFixed(2),
      entropy: entropyBits(series.teacher).toFixed(2),
    }) + (students.length ? t('explorer.studentsSay', { list: students.join(t('lesson.listSep')) }) : '');
  }

  function show(answer, extra) {
    current = { ...extra, label: answer.label, image: answer.image, teacher: answer.teacher, students: answer.students };
    paintDigit($('inspect-image'), answer.image);
    render();
  }

  async function inspectTest(index) {
    const my = ++seq;
    try {
      const a = await ask('inspectTest', { index });
      if (my === seq) show(a, { kind: 'test', index });
    } catch (e) {
      onError(`explorer: ${e.message}`);
    }
  }

  async function inspectDrawing() {
    if (pad.isEmpty()) return;
    const my = ++seq;
    const { width, height, data } = pad.pixels();
    try {
      const a = await ask('inspectDrawing', { gray: data, width, height });
      if (my === seq) show(a, { kind: 'draw' });
    } catch (e) {
      onError(`drawing: ${e.message}`);
    }
  }

  async function buildGallery() {
    const g = await ask('gallery', { k: 6 });
    const groups = [[t('explorer.perClass'), g.perClass], [t('explorer.confident'), g.confident], [t('explorer.ambiguous'), g.ambiguous]];
    const all = groups.flatMap(([, ids]) => ids);
    const { pixels, labels: ys } = await ask('images', { indices: all });
    const box = $('gallery');
    box.replaceChildren();
    let k = 0;
    for (const [title, ids] of groups) {
      const h = document.createElement('h3');
      h.textContent = title;
      const row = document.createElement('div');
      row.className = 'thumbs';
      for (const id of ids) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'thumb';
        b.dataset.index = String(id);
        b.setAttribute('aria-label', t('explorer.imageLabel', { index: id, label: labels[ys[k]] }));
        b.title = `#${id}: ${labels[ys[k]]}`;
        b.append(digitCanvas(pixels, k * 784));
        b.addEventListener('click', () => state.set('ex', id));
        row.append(b);
        k += 1;
      }
      box.append(h, row);
    }
  }

  slider.addEventListener('input', () => state.set('vtau', tauFromSlider(Number(slider.value) / 1000).toFixed(3)));
  logBox.addEventListener('change', () => state.set('scale', logBox.checked ? 'log' : 'linear'));
  $('pad-clear').addEventListener('click', () => pad.clear());
  $('pad-sample').addEventListener('click', () => current?.image && pad.drawImage(current.image));

  return {
    /** A dataset and its teacher are loaded. */
    async onReady(classNames) {
      labels = classNames;
      current = null;
      if (entropyCaption) entropyCaption.textContent = t('classViews.captionEntropy', { max: num(maxBits(), { digits: 2 }) });
      pad.clear();
      try {
        await buildGallery();
      } catch (e) {
        onError(`gallery: ${e.message}`);
      }
      await inspectTest(state.get('ex'));
    },
    /** The view settings changed (τ, scale, example). */
    onState(changedExample) {
      if (changedExample) inspectTest(state.get('ex'));
      else render();
    },
    /** Students changed (a run ended or was reset): ask again for the current input. */
    refresh() {
      if (!current) return;
      if (current.kind === 'draw') inspectDrawing();
      else inspectTest(current.index);
    },
    canvases: () => ({ bars: bars.canvas, entropy: entropyPlot.ctx.canvas }),
    /** The entropy plot's y range in bits (for tests). */
    entropyRange: () => [entropyPlot.scales.y.min, entropyPlot.scales.y.max],
  };
}
