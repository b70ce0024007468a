// Students teaching students: born-again generations, or the teacher-assistant comparison. Runs a chain in the
// worker beside the race and shows each stage's test errors as it finishes (bars and a table).

import { fit, widthOf, INK, MUTED, GRID, SERIES } from './canvas.js';
import { tableRow } from './table.js';
import { drawCapacityChart, fitSentence } from './capacity-chart.js';

/** The capacity preset: the sweep of the default widths on a budget that takes about a minute in the browser. */
const CAPACITY_PRESET = { chain: 'capacity', cwidths: '2,4,8,16,32,64,128', method: 'hinton', epochs: '1',
  limit: '10000', alpha: '0.5', tau: '4', lr: '0.003', batch: '64' };

const $ = (id) => document.getElementById(id);

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
    return `${i}: ${s.student} ← ${s.taughtBy}`;
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
      ctx.fillText(running ? 'training the first stage…' : 'run a chain to compare its stages', 12, 20);
      return;
    }
    const left = Math.min(230, width * 0.45);
    const right = width - 95;
    const t = teacherErrors();
    const max = Math.max(...done.map((s) => s.result.testErrors), t ?? 0, 1);
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
      ctx.fillText(`${s.result.testErrors} errors`, x(s.result.testErrors) + 4, y + 13);
    });
    if (t != null) {
      ctx.strokeStyle = SERIES.teacher;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(x(t), 8);
      ctx.lineTo(x(t), height - 16);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = SERIES.teacher;
      ctx.fillText(`teacher ${t}`, Math.min(x(t) + 4, width - 70), height - 4);
    }
    canvas.setAttribute('aria-label', 'test errors per stage: ' +
      done.map((s) => `${label(s, stages.indexOf(s))} ${s.result.testErrors}`).join('; '));
  }

  function renderTable() {
    $('chain-table').querySelector('tbody').replaceChildren(...stages.map((s, i) => tableRow(`stage-${i}`, [
      String(i), s.student, s.taughtBy, s.result ? `${(100 * s.result.testAccuracy).toFixed(2)}%` : '…',
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
    setRunning(true, 'Starting the chain…');
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
    setRunning(false, 'Stopped.');
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
          $('chain-status').textContent = `Stage ${msg.stage} of ${msg.stages} (${stages[msg.stage].student} ← ` +
            `${stages[msg.stage].taughtBy}): step ${msg.step} of ${msg.totalSteps}`;
        }
      } else if (msg.phase === 'done') {
        setRunning(false, `Done: ${stages.length} stages.`);
        showFit(msg.fit);
      } else if (msg.phase === 'error') {
        setRunning(false, `Error: ${msg.message}`);
        onError(`chain: ${msg.message}`);
      }
      renderTable();
      draw();
    },
    /** Enables the button once a dataset and teacher are loaded. */
    onReady() {
      $('chain-run').disabled = running;
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
