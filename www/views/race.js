// The race's final table (teacher, distilled student, hard-label twin), the fingerprints that show both students
// started alike, the confusion matrices, and the exports (JSON, CSV, safetensors).

import { createHeatmap } from './heatmap.js';
import { downloadJSON, downloadCSV, downloadBytes } from '../download.js';

const $ = (id) => document.getElementById(id);
const ROWS = [['teacher', 'Teacher'], ['distilled', 'Distilled student'], ['baseline', 'Hard-label student']];
const pct = (x) => `${(x * 100).toFixed(2)}%`;

/** @param {{ask, onError: (text: string) => void, describe: () => object}} deps describe: settings and link of the run */
export function createRace({ ask, onError, describe }) {
  let labels = [];
  let result = null; // the done message
  let history = []; // evaluations {step, distilled, baseline}
  const cms = {};
  for (const name of ['teacher', 'distilled', 'baseline']) {
    cms[name] = createHeatmap($(`cm-${name}`), {
      rowTitle: 'true class', colTitle: 'predicted →', format: (v) => String(Math.round(v)), label: `${name} confusion matrix`,
    });
  }

  function rows() {
    if (!result) return [];
    const out = [['model', 'test_accuracy', 'test_errors', 'agreement_with_teacher', 'mean_kl_teacher_student', 'ece', 'train_seconds']];
    for (const [key] of ROWS) {
      const r = key === 'teacher' ? result.teacher : result.students[key]?.report;
      if (!r) continue;
      const secs = key === 'teacher' ? null : result.students[key].trainSeconds;
      out.push([key, r.testAccuracy, r.testErrors, r.agreement, r.meanKl, r.ece, secs]);
    }
    return out;
  }

  function renderTable() {
    const body = $('race-table').querySelector('tbody');
    body.replaceChildren(...rows().slice(1).map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.model = r[0];
      const cells = [ROWS.find(([k]) => k === r[0])[1], pct(r[1]), String(r[2]), pct(r[3]), r[4].toFixed(4), r[5].toFixed(4),
        r[6] == null ? '–' : `${r[6].toFixed(1)} s`];
      cells.forEach((text, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.scope = 'row';
        td.textContent = text;
        tr.append(td);
      });
      return tr;
    }));
  }

  function setExports(on) {
    for (const id of ['export-json', 'export-csv', 'export-distilled']) $(id).disabled = !on;
    $('export-baseline').disabled = !(on && result?.students?.baseline);
  }

  async function weights(which) {
    try {
      const bytes = await ask('exportWeights', { which });
      downloadBytes(bytes, `distill-lab-${which}-student.safetensors`);
    } catch (e) {
      onError(`export: ${e.message}`);
    }
  }

  $('export-json').addEventListener('click', () => downloadJSON({ ...describe(), evaluations: history, ...result }, 'distill-lab-results.json'));
  $('export-csv').addEventListener('click', () => downloadCSV(rows(), 'distill-lab-results.csv'));
  $('export-distilled').addEventListener('click', () => weights('distilled'));
  $('export-baseline').addEventListener('click', () => weights('baseline'));

  return {
    onReady(classNames) {
      labels = classNames;
      ask('teacherReport').then((r) => cms.teacher.setData(r.confusion, { labels, scale: 'log', hideDiagonal: true }))
        .catch((e) => onError(`teacher confusion: ${e.message}`));
    },
    addEval(msg) {
      history.push({ step: msg.step, distilled: msg.testAccuracy, baseline: msg.baseline?.testAccuracy ?? null });
    },
    /** @param {{students: object, teacher: object}} done */
    show(done) {
      result = { teacher: done.teacher, students: done.students };
      renderTable();
      for (const key of ['distilled', 'baseline']) {
        const s = done.students[key];
        if (s) cms[key].setData(s.report.confusion, { labels, scale: 'log', hideDiagonal: true });
        else cms[key].clear();
      }
      const d = done.students.distilled;
      const b = done.students.baseline;
      $('race-fingerprints').textContent = b
        ? `Same start, same batches: initial weights ${d.initFingerprint} / ${b.initFingerprint}, ` +
          `batch order ${d.batchFingerprint} / ${b.batchFingerprint} (distilled / hard-label).` +
          (d.initFingerprint === b.initFingerprint && d.batchFingerprint === b.batchFingerprint ? ' Identical ✓' : ' DIFFERENT')
        : `Initial weights ${d.initFingerprint}, batch order ${d.batchFingerprint}.`;
      setExports(true);
    },
    clear() {
      result = null;
      history = [];
      $('race-table').querySelector('tbody').replaceChildren();
      $('race-fingerprints').textContent = '';
      cms.distilled.clear();
      cms.baseline.clear();
      setExports(false);
    },
    canvases: () => ({ 'cm-teacher': cms.teacher.canvas, 'cm-distilled': cms.distilled.canvas, 'cm-baseline': cms.baseline.canvas }),
  };
}
