// Students teaching students: born-again generations, or the teacher-assistant comparison. Runs a chain in the
// worker beside the race and shows each stage's test errors as it finishes (bars and a table).

import { fit, widthOf, INK, MUTED, GRID, SERIES } from './canvas.js';
import { tableRow } from './table.js';
import { drawCapacityChart, fitSentence } from './capacity-chart.js';
import { t, num, pct } from '../i18n.js';

/** The capacity preset: the sweep of the default widths on a budget that takes about a minute in the browser. */
const CAPACITY_PRESET = { chain: 'capacity', cwidths: '2,4,8,16,32,64,128', method: 'hinton', epochs: '1',
  limit: '10000', alpha: '0.5', tau: '4', lr: '0.003', batch: '64' };

const $ = (id) => document.getElementById(id);

/** Who taught a stage, as the wasm names it ('hard labels', 'teacher', 'stage k'), in the page's language. */
function sourceName(taughtBy) {
  if (taughtBy === 'hard labels') return t('chains.source.hard');
  if (taughtBy === 'teacher') return t('chains.source.teacher');
  const stage = /^stage (\d+)$/.exec(taughtBy);
  return stage ? t('chains.source.stage', { k: stage[1] }) : taughtBy;
}

/**
 * @param {{state: import('../state.js').State, post: (msg: object) => void, onError: (text: string) => void,
 *          teacherErrors: () => number | null}} deps
 */
export function createChains({ state, post, onError, teacherErrors }) {
  const canvas = $('chain-chart');
  let id = 0;
  let stages = []; // [{student, taughtBy, result?}]
  let running = false;
  let plot = null;

  function showFit(result) {
    $('capacity-result').hidden = !result;
    if (!result) return;
    $('capacity-summary').textContent = fitSentence(result.fit, result.points.length, result.curveAt30Percent);
    plot = drawCapacityChart($('capacity-chart'), plot, result.points, result.fit);
    $('capacity-result').dataset.r2 = result.fit.r2.toFixed(3);
  }

  function label(s, i) {
    return t('chains.stage', { i, student: s.student, source: sourceName(s.taughtBy) });
  }

  function draw() {
    const box = canvas.parentElement;
    const width = widthOf(box, 280);
    const rowH = 26;
    const height = 30 + Math.max(1, stages.length) * rowH;
    const ctx = fit(canvas, width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    const done = stages.filter((s) => s.result);
    if (!done.length) {
      ctx.fillStyle = MUTED;
      ctx.fillText(t(running ? 'chains.training' : 'chains.idle'), 12, 20);
      return;
    }
    const left = Math.min(230, width * 0.45);
    const right = width - 95;
    const te = teacherErrors();
    const max = Math.max(...done.map((s) => s.result.testErrors), te ?? 0, 1);
    const x = (e) => left + ((right - left) * e) / max;
    ctx.strokeStyle = GRID;
    ctx.strokeRect(left, 8, right - left, height - 24);
    stages.forEach((s, i) => {
      const y = 12 + i * rowH;
      ctx.fillStyle = INK;
      ctx.textAlign = 'right';
      ctx.fillText(label(s, i), left - 6, y + 13);
      ctx.textAlign = 'left';
      if (!s.result) return;
      ctx.fillStyle = s.taughtBy === 'hard labels' ? SERIES.baseline : SERIES.distilled;
      ctx.fillRect(left, y + 2, x(s.result.testErrors) - left, rowH - 8);
      ctx.fillStyle = INK;
      ctx.fillText(t('chains.errorsBar', { n: s.result.testErrors }), x(s.result.testErrors) + 4, y + 13);
    });
    if (te != null) {
      ctx.strokeStyle = SERIES.teacher;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(x(te), 8);
      ctx.lineTo(x(te), height - 16);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = SERIES.teacher;
      ctx.fillText(t('chains.teacherLine', { n: te }), Math.min(x(te) + 4, width - 70), height - 4);
    }
    const each = done.map((s) => t('chains.ariaStage', { stage: label(s, stages.indexOf(s)), errors: s.result.testErrors }));
    canvas.setAttribute('aria-label', t('chains.aria', { stages: each.join(t('chains.joiner')) }));
  }

  function renderTable() {
    $('chain-table').querySelector('tbody').replaceChildren(...stages.map((s, i) => tableRow(`stage-${i}`, [
      String(i), s.student, sourceName(s.taughtBy), s.result ? pct(s.result.testAccuracy, 2) : '…',
      s.result ? String(s.result.testErrors) : '…'])));
  }

  function render() {
    const kind = state.get('chain');
    $('in-chain').value = kind;
    $('in-gens').value = String(state.get('gens'));
    $('in-assistant').value = state.get('assistant').join(',') || 'linear';
    $('in-cwidths').value = state.get('cwidths').join(',');
    for (const el of document.querySelectorAll('[data-chain]')) el.hidden = el.dataset.chain !== kind;
  }

  function setRunning(on, text) {
    running = on;
    $('chain-run').disabled = on;
    $('chain-stop').disabled = !on;
    if (text != null) $('chain-status').textContent = text;
  }

  const fields = [[$('in-chain'), 'chain'], [$('in-gens'), 'gens'], [$('in-assistant'), 'assistant'],
    [$('in-cwidths'), 'cwidths']];
  for (const [el, key] of fields) {
    el.addEventListener('change', () => {
      const r = state.set(key, el.value);
      if (r.notice) onError(r.notice);
      render();
    });
  }
  function run() {
    id += 1;
    stages = [];
    showFit(null);
    renderTable();
    draw();
    setRunning(true, t('chains.starting'));
    const kind = state.get('chain');
    const widths = kind === 'capacity' ? state.get('cwidths') : state.get('assistant');
    post({
      command: 'chain', id, kind, config: state.toConfig(), generations: state.get('gens'), assistant: widths.join(','),
    });
  }
  $('chain-run').addEventListener('click', run);
  $('btn-capacity').addEventListener('click', () => {
    if ($('chain-run').disabled) return;
    for (const [key, value] of Object.entries(CAPACITY_PRESET)) state.set(key, value);
    run();
  });
  $('chain-stop').addEventListener('click', () => {
    id += 1;
    post({ command: 'chainStop' });
    setRunning(false, t('chains.stopped'));
  });
  state.subscribe(render);
  render();
  draw();

  return {
    /** A `chain` message from the worker. */
    onMessage(msg) {
      if (msg.id !== id) return;
      if (msg.phase === 'start') {
        stages = msg.stages.map((s) => ({ ...s }));
      } else if (msg.phase === 'progress') {
        if (msg.finishedStage) stages[msg.finishedStage.generation].result = msg.finishedStage;
        if (!msg.finished) {
          $('chain-status').textContent = t('chains.progress', { stage: msg.stage, stages: msg.stages,
            student: stages[msg.stage].student, source: sourceName(stages[msg.stage].taughtBy), step: num(msg.step),
            total: num(msg.totalSteps) });
        }
      } else if (msg.phase === 'done') {
        setRunning(false, t('chains.done', { n: stages.length }));
        showFit(msg.fit);
      } else if (msg.phase === 'error') {
        setRunning(false, t('chains.failed', { message: msg.message }));
        onError(t('chains.notice', { message: msg.message }));
      }
      renderTable();
      draw();
    },
    /** Enables the button once a dataset and teacher are loaded. */
    onReady() {
      $('chain-run').disabled = running;
    },
    /** The worker failed: a chain in progress failed with it (its finished stages stay); disabled until ready. */
    abort(message) {
      if (running) this.onMessage({ id, phase: 'error', message });
      $('chain-run').disabled = true;
    },
    /** Forgets the chain (a new dataset is loading; the worker stops the chain itself). */
    clear() {
      id += 1;
      stages = [];
      setRunning(false, '');
      $('chain-run').disabled = true;
      renderTable();
      draw();
    },
    canvas: () => canvas,
    /** The stages and results, for export. */
    results: () => stages.map((s) => ({ ...s })),
  };
}
