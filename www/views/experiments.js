// The experiments' results (results/*.json, written by `distill-lab experiment …`): pick one, see its table (and, for
// the capacity sweep, its points and fitted curve), with the command, commit, machine and wall time that made it.

import { drawCapacityChart, fitSentence } from './capacity-chart.js';
import { viridis } from './canvas.js';
import { tableRow } from './table.js';

const pm = (mean, std, digits = 0) => `${mean.toFixed(digits)} ± ${(std ?? 0).toFixed(digits)}`;
const pct = (mean, std) => `${pm(mean, std, 1)} %`;

/** Column headers and one row of cells per result row, by experiment. */
function tableOf(doc) {
  const rows = doc.rows.filter((r) => !('fit' in r) && !('gapClosed' in r));
  switch (doc.experiment) {
    case 'missing3':
      return {
        head: ['Transfer set', 'Student', 'Test errors', 'After the bias', 'Bias (held-out)', 'Missing classes right',
          'After the bias'],
        rows: rows.map((r) => [r.transferSet, r.student, pm(r.meanErrors, r.stdErrors),
          pm(r.meanErrorsAfterBias, r.stdErrorsAfterBias), pm(r.meanBias, 0, 1), `${r.meanMissingRecall.toFixed(1)} %`,
          pct(r.meanMissingRecallAfterBias, r.stdMissingRecallAfterBias)]),
      };
    case 'temperature': {
      const taus = [...new Set(rows.map((r) => r.tau))];
      const widths = [...new Set(rows.map((r) => r.width))];
      return {
        head: ['Units per layer', ...taus.map((t) => `τ = ${t}`)],
        rows: widths.map((w) => [`${w}, ${w}`, ...taus.map((t) => {
          const r = rows.find((x) => x.width === w && x.tau === t);
          return r ? pm(r.meanErrors, r.stdErrors) : '';
        })]),
      };
    }
    case 'capacity':
      return {
        head: ['Student', 'Parameters', 'C_S / C_T', 'Test accuracy', 'Acc_S / Acc_T'],
        rows: rows.map((r) => [r.student, r.parameters.toLocaleString('en-US'), r.capacityRatio.toFixed(4),
          pct(100 * r.meanAccuracy, 100 * r.stdAccuracy), r.accuracyRatio.toFixed(4)]),
      };
    case 'deploy':
      return {
        head: ['Student', 'Test errors', 'Sparsity', 'Bytes', 'gzip bytes', 'Images/s'],
        rows: rows.map((r) => [r.student, pm(r.meanErrors, r.stdErrors), `${(100 * (r.sparsity ?? 0)).toFixed(0)} %`,
          (r.bytes ?? 0).toLocaleString('en-US'), (r.gzipBytes ?? 0).toLocaleString('en-US'),
          r.imagesPerSecond ? Math.round(r.imagesPerSecond).toLocaleString('en-US') : '']),
      };
    case 'ta-chain':
      return {
        head: ['Chain', 'Student errors', 'Assistant errors'],
        rows: rows.map((r) => [r.chain, pm(r.meanStudentErrors, r.stdStudentErrors),
          Array.isArray(r.assistantErrors) && r.assistantErrors.length ? r.assistantErrors.join(', ') : '–']),
      };
    default:
      return {
        head: ['Row', 'Test errors', 'Test accuracy'],
        rows: rows.map((r) => [String(r.method ?? r.student ?? (r.generation != null ? `generation ${r.generation}` : '')),
          r.meanErrors != null ? pm(r.meanErrors, r.stdErrors) : '',
          r.meanAccuracy != null ? pct(r.meanAccuracy, r.stdAccuracy) : '']),
      };
  }
}

/** One-line summary under the table (the fit, the gap closed), or ''. */
function summaryOf(doc) {
  const fit = doc.rows.find((r) => 'fit' in r);
  if (fit) {
    return fitSentence(fit.fit, fit.points.length, fit.curveAt30Percent);
  }
  const gap = doc.rows.find((r) => 'gapClosed' in r);
  if (gap) return `Distillation closes ${(100 * gap.gapClosed).toFixed(0)} % of the student–teacher gap.`;
  return '';
}

/**
 * Colours a width × τ table as a heatmap, row by row (each width against its own best and worst τ): viridis, dark =
 * fewest errors. The cell's title keeps the number's meaning.
 */
function heat(tbody) {
  for (const tr of tbody.rows) {
    const cells = [...tr.cells].slice(1);
    const values = cells.map((c) => parseFloat(c.textContent));
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    cells.forEach((c, i) => {
      const t = hi > lo ? (values[i] - lo) / (hi - lo) : 0;
      c.style.background = `rgb(${viridis(t).join(', ')})`;
      c.style.color = t > 0.6 ? '#000' : '#fff';
      c.dataset.best = String(values[i] === lo);
      c.title = values[i] === lo ? 'fewest errors for this width' : '';
    });
  }
}

/** @param {HTMLElement} panel */
export function createExperiments(panel) {
  const select = panel.querySelector('#exp-file');
  const table = panel.querySelector('#exp-table');
  const meta = panel.querySelector('#exp-meta');
  const summary = panel.querySelector('#exp-summary');
  const chartBox = panel.querySelector('#exp-chart');
  let plot = null;

  function drawCapacity(doc) {
    const fit = doc.rows.find((r) => 'fit' in r);
    chartBox.hidden = !fit;
    if (fit) plot = drawCapacityChart(chartBox, plot, fit.points, fit.fit);
    else if (plot) {
      plot.destroy();
      plot = null;
    }
  }

  let latest = 0;

  async function show(file) {
    const me = ++latest;
    // Not shown until this file's table is complete (a test waits on it).
    delete panel.dataset.shown;
    table.replaceChildren();
    summary.textContent = '';
    meta.textContent = `Loading ${file}…`;
    try {
      const response = await fetch(`./results/${encodeURIComponent(file)}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const doc = await response.json();
      if (me !== latest) return; // a later choice replaced this one
      table.replaceChildren();
      const { head, rows } = tableOf(doc);
      const thead = document.createElement('thead');
      const tr = document.createElement('tr');
      for (const h of head) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = h;
        tr.append(th);
      }
      thead.append(tr);
      const tbody = document.createElement('tbody');
      rows.forEach((cells, i) => tbody.append(tableRow(String(i), cells)));
      table.append(thead, tbody);
      if (doc.experiment === 'temperature') heat(tbody);
      summary.textContent = summaryOf(doc);
      meta.textContent = `${doc.command} · commit ${doc.commit} · ${doc.machine} · ${Math.round(doc.wallSeconds)} s`;
      drawCapacity(doc);
      panel.dataset.shown = file;
    } catch (e) {
      meta.textContent = `Could not read ${file}: ${e.message}`;
    }
  }

  select.addEventListener('change', () => show(select.value));
  return {
    /** Lists the results (results/index.json) and shows the first. */
    async load() {
      try {
        const response = await fetch('./results/index.json');
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const { results } = await response.json();
        select.replaceChildren(...results.map((r) => new Option(`${r.experiment} · ${r.dataset}`, r.file)));
        if (results.length) await show(results[0].file);
      } catch (e) {
        meta.textContent = `No experiment results to show (${e.message}).`;
      }
    },
    show,
  };
}
