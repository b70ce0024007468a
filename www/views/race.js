// The race's final table (teacher, distilled student, hard-label twin), the integer students after
// quantization-aware KD, the fingerprints that show both students started alike, the confusion matrices, and the
// exports (JSON, CSV, safetensors). The confusion matrices are k×k for the dataset's k classes (heatmap.js).

import { t, num } from '../i18n.js';

import { createHeatmap } from './heatmap.js';
import { tableRow } from './table.js';
import { downloadJSON, downloadCSV, downloadBytes } from '../download.js';

const $ = (id) => document.getElementById(id);
const ROW_KEYS = ['teacher', 'distilled', 'baseline'];
const pct = (x) => `${(x * 100).toFixed(2)}%`;

/** @param {{ask, onError: (text: string) => void, describe: () => object}} deps describe: settings and link of the run */
export function createRace({ ask, onError, describe }) {
  let labels = [];
  let result = null; // the done message
  let history = []; // evaluations {step, distilled, baseline}
  const cms = {};
  for (const name of ['teacher', 'distilled', 'baseline']) {
    cms[name] = createHeatmap($(`cm-${name}`), {
      rowTitle: t('race.cmRow'), colTitle: t('race.cmCol'), format: (v) => String(Math.round(v)),
      label: t('race.cmLabel', { name: t(`race.rows.${name}`) }),
    });
  }

  function rows() {
    if (!result) return [];
    const out = [['model', 'test_accuracy', 'test_errors', 'agreement_with_teacher', 'mean_kl_teacher_student', 'ece', 'train_seconds']];
    for (const key of ROW_KEYS) {
      const r = key === 'teacher' ? result.teacher : result.students[key]?.report;
      if (!r) continue;
      const secs = key === 'teacher' ? null : result.students[key].trainSeconds;
      out.push([key, r.testAccuracy, r.testErrors, r.agreement, r.meanKl, r.ece, secs]);
    }
    return out;
  }

  function renderTable() {
    // The caption counts the test images (every image is one count of the teacher's confusion matrix).
    const total = (result.teacher?.confusion || []).reduce((a, b) => a + b, 0);
    if (total > 0) $('race-table').querySelector('caption').textContent = t('classViews.raceOn', { n: num(total) });
    const body = $('race-table').querySelector('tbody');
    body.replaceChildren(...rows().slice(1).map((r) => {
      const cells = [t(`race.rows.${r[0]}`), pct(r[1]), String(r[2]), pct(r[3]), r[4].toFixed(4), r[5].toFixed(4),
        r[6] == null ? '–' : t('race.seconds', { s: r[6].toFixed(1) })];
      return tableRow(r[0], cells);
    }));
  }

  /** The integer students after quantization-aware KD (hidden otherwise). */
  function renderInt8() {
    const int8 = ROW_KEYS.filter((k) => result?.students?.[k]?.int8).map((k) => [k, t(`race.rows.${k}`), result.students[k]]);
    $('int8-wrap').hidden = int8.length === 0;
    $('export-int8').hidden = int8.length === 0;
    $('int8-table').querySelector('tbody').replaceChildren(...int8.map(([key, name, s]) => {
      const q = s.int8;
      const how = t(q.quantizationAware ? 'race.qat' : 'race.ptq');
      return tableRow(key, [t('race.int8Name', { name, bits: q.bits, how }), pct(q.testAccuracy), String(q.testErrors),
        pct(s.report.testAccuracy), t('race.int8Bytes', { kb: (q.bytes / 1024).toFixed(1), share: ((100 * q.bytes) / q.floatBytes).toFixed(1) })]);
    }));
  }

  function setExports(on) {
    for (const id of ['export-json', 'export-csv', 'export-distilled']) $(id).disabled = !on;
    $('export-baseline').disabled = !(on && result?.students?.baseline);
    $('export-int8').disabled = !(on && result?.students?.distilled?.int8);
  }

  async function weights(which) {
    try {
      const bytes = await ask('exportWeights', { which });
      downloadBytes(bytes, `distill-lab-${which}-student.safetensors`);
    } catch (e) {
      onError(t('race.exportFailed', { message: e.message }));
    }
  }

  $('export-json').addEventListener('click', () => downloadJSON({ ...describe(), evaluations: history, ...result }, 'distill-lab-results.json'));
  $('export-csv').addEventListener('click', () => downloadCSV(rows(), 'distill-lab-results.csv'));
  $('export-distilled').addEventListener('click', () => weights('distilled'));
  $('export-baseline').addEventListener('click', () => weights('baseline'));
  $('export-int8').addEventListener('click', async () => {
    try {
      const bits = result.students.distilled.int8.bits;
      const bytes = await ask('exportInt8', { which: 'distilled', bits });
      downloadBytes(bytes, `distill-lab-distilled-student-int${bits}.safetensors`);
    } catch (e) {
      onError(t('race.exportFailed', { message: e.message }));
    }
  });

  return {
    onReady(classNames) {
      labels = classNames;
      ask('teacherReport').then((r) => cms.teacher.setData(r.confusion, { labels, scale: 'log', hideDiagonal: true }))
        .catch((e) => onError(t('race.teacherCmFailed', { message: e.message })));
    },
    addEval(msg) {
      history.push({ step: msg.step, distilled: msg.testAccuracy, baseline: msg.baseline?.testAccuracy ?? null });
    },
    /** @param {{students: object, teacher: object}} done */
    show(done) {
      result = { teacher: done.teacher, students: done.students };
      renderTable();
      renderInt8();
      for (const key of ['distilled', 'baseline']) {
        const s = done.students[key];
        if (s) cms[key].setData(s.report.confusion, { labels, scale: 'log', hideDiagonal: true });
        else cms[key].clear();
      }
      const d = done.students.distilled;
      const b = done.students.baseline;
      $('race-fingerprints').textContent = b
        ? t('race.fingerprints', { i1: d.initFingerprint, i2: b.initFingerprint, b1: d.batchFingerprint, b2: b.batchFingerprint }) +
          t(d.initFingerprint === b.initFingerprint && d.batchFingerprint === b.batchFingerprint ? 'race.identical' : 'race.different')
        : t('race.fingerprint', { i: d.initFingerprint, b: d.batchFingerprint });
      setExports(true);
    },
    clear() {
      result = null;
      history = [];
      $('race-table').querySelector('tbody').replaceChildren();
      renderInt8();
      $('race-fingerprints').textContent = '';
      cms.distilled.clear();
      cms.baseline.clear();
      setExports(false);
    },
    canvases: () => ({ 'cm-teacher': cms.teacher.canvas, 'cm-distilled': cms.distilled.canvas, 'cm-baseline': cms.baseline.canvas }),
  };
}
