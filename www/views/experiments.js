// The experiments' results (results/*.json, written by `distill-lab experiment …`): pick one, see its table (and, for
// the capacity sweep, its points and fitted curve), with the command, commit, machine and wall time that made it.

import { drawCapacityChart, fitSentence } from './capacity-chart.js';
import { viridis } from './canvas.js';
import { tableHead, tableRow } from './table.js';
import { checkIndex, checkResults } from '../results-schema.js';
import { t, num, pct as percent } from '../i18n.js';

// Means and spreads keep fixed digits without grouping (as the JSON and the command line write them; the heatmap below
// reads them back); counts of parameters, bytes and images in the page's locale.
const pm = (mean, std, digits = 0) =>
  t('experiments.plusMinus', { mean: mean.toFixed(digits), std: (std ?? 0).toFixed(digits) });
const pct = (mean, std) => t('experiments.percent', { value: pm(mean, std, 1) });
const col = (key) => t(`experiments.col.${key}`);
/** A value or the mean of its per-seed values (the deploy results list sparsity, gzip bytes and speed per seed). */
const meanOf = (v) => (Array.isArray(v) ? (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN) : v);

/** Column headers and one row of cells per result row, by experiment. */
function tableOf(doc) {
  const rows = doc.rows.filter((r) => !('fit' in r) && !('gapClosed' in r));
  switch (doc.experiment) {
    case 'missing3':
      return {
        head: [col('transferSet'), col('student'), col('testErrors'), col('afterBias'), col('bias'), col('missingRight'),
          col('afterBias')],
        rows: rows.map((r) => [r.transferSet, r.student, pm(r.meanErrors, r.stdErrors),
          pm(r.meanErrorsAfterBias, r.stdErrorsAfterBias), pm(r.meanBias, 0, 1),
          t('experiments.percent', { value: r.meanMissingRecall.toFixed(1) }),
          pct(r.meanMissingRecallAfterBias, r.stdMissingRecallAfterBias)]),
      };
    case 'temperature': {
      const taus = [...new Set(rows.map((r) => r.tau))];
      const widths = [...new Set(rows.map((r) => r.width))];
      return {
        head: [col('unitsPerLayer'), ...taus.map((tau) => t('experiments.col.tau', { tau }))],
        rows: widths.map((w) => [t('experiments.widths', { width: w }), ...taus.map((tau) => {
          const r = rows.find((x) => x.width === w && x.tau === tau);
          return r ? pm(r.meanErrors, r.stdErrors) : '';
        })]),
      };
    }
    case 'capacity':
      return {
        head: [col('student'), col('parameters'), 'C_S / C_T', col('testAccuracy'), 'Acc_S / Acc_T'],
        rows: rows.map((r) => [r.student, num(r.parameters), r.capacityRatio.toFixed(4),
          pct(100 * r.meanAccuracy, 100 * r.stdAccuracy), r.accuracyRatio.toFixed(4)]),
      };
    case 'deploy':
      return {
        head: [col('student'), col('testErrors'), col('sparsity'), col('bytes'), col('gzipBytes'), col('imagesPerSecond')],
        rows: rows.map((r) => [r.student, pm(r.meanErrors, r.stdErrors), percent(meanOf(r.sparsity ?? 0), 0),
          num(meanOf(r.bytes ?? 0)), num(Math.round(meanOf(r.gzipBytes ?? 0))),
          r.imagesPerSecond ? num(Math.round(meanOf(r.imagesPerSecond))) : '']),
      };
    case 'ta-chain':
      return {
        head: [col('chain'), col('studentErrors'), col('assistantErrors')],
        rows: rows.map((r) => [r.chain, pm(r.meanStudentErrors, r.stdStudentErrors),
          Array.isArray(r.assistantErrors) && r.assistantErrors.length ? r.assistantErrors.join(', ') : '–']),
      };
    default:
      return {
        head: [col('row'), col('testErrors'), col('testAccuracy')],
        rows: rows.map((r) => [String(r.method ?? r.student ??
          (r.generation != null ? t('experiments.generation', { n: r.generation }) : '')),
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
  if (gap) return t('experiments.gap', { share: percent(gap.gapClosed, 0) });
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
      const f = hi > lo ? (values[i] - lo) / (hi - lo) : 0;
      c.style.background = `rgb(${viridis(f).join(', ')})`;
      c.style.color = f > 0.6 ? '#000' : '#fff';
      c.dataset.best = String(values[i] === lo);
      c.title = values[i] === lo ? t('experiments.fewest') : '';
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
    meta.textContent = t('experiments.loading', { file });
    try {
      const response = await fetch(`./results/${encodeURIComponent(file)}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const doc = checkResults(await response.json(), file);
      if (me !== latest) return; // a later choice replaced this one
      table.replaceChildren();
      const { head, rows } = tableOf(doc);
      const thead = tableHead(head);
      const tbody = document.createElement('tbody');
      rows.forEach((cells, i) => tbody.append(tableRow(String(i), cells)));
      table.append(thead, tbody);
      if (doc.experiment === 'temperature') heat(tbody);
      summary.textContent = summaryOf(doc);
      meta.textContent = t('experiments.meta', { command: doc.command, commit: doc.commit, machine: doc.machine,
        seconds: num(Math.round(doc.wallSeconds)) });
      drawCapacity(doc);
      panel.dataset.shown = file;
    } catch (e) {
      meta.textContent = t('experiments.readError', { file, message: e.message });
    }
  }

  select.addEventListener('change', () => show(select.value));
  return {
    /** Lists the results (results/index.json) and shows the first. */
    async load() {
      try {
        const response = await fetch('./results/index.json');
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const { results } = checkIndex(await response.json(), 'results/index.json');
        select.replaceChildren(...results.map((r) =>
          new Option(t('experiments.option', { experiment: r.experiment, dataset: r.dataset }), r.file)));
        if (results.length) await show(results[0].file);
      } catch (e) {
        meta.textContent = t('experiments.none', { message: e.message });
      }
    },
    show,
  };
}
