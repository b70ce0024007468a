// The results files the Experiments panel renders (results/index.json and results/*.json, written by `distill-lab
// experiment …`), checked before anything is drawn: a malformed, hostile or huge file yields one message that names
// it and the field, never a half-drawn table, an exception from deep inside the renderer or a page that hangs.
// Pure: no DOM access, importable from Node (tests/e2e/fuzz.test.mjs fuzzes it).

/** At most this many rows in a results file, entries in the index, numbers in a list, characters in a text. */
export const LIMITS = Object.freeze({ rows: 2000, entries: 1000, list: 10000, text: 2000, taus: 64 });

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const finite = (v) => typeof v === 'number' && Number.isFinite(v);
const absent = (v) => v === undefined || v === null;

/** A short description of a bad value for a message (text only; never the whole value). */
function show(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

/**
 * Field types: text (a string), number (finite), numbers (a finite number or a list of them: per-seed values), list (a
 * list of finite numbers); a trailing ? allows the field to be absent or null.
 */
const CHECKS = {
  text: (v) => typeof v === 'string' && v.length <= LIMITS.text,
  number: finite,
  numbers: (v) => finite(v) || (Array.isArray(v) && v.length <= LIMITS.list && v.every(finite)),
  list: (v) => Array.isArray(v) && v.length <= LIMITS.list && v.every(finite),
};
const EXPECTED = {
  text: `a text of at most ${LIMITS.text} characters`,
  number: 'a finite number',
  numbers: 'a finite number or a list of them',
  list: `a list of at most ${LIMITS.list} finite numbers`,
};

/** The fields each experiment's table reads from a row (www/views/experiments.js, tableOf). */
const ROWS = {
  missing3: {
    transferSet: 'text', student: 'text', meanErrors: 'number', stdErrors: 'number?', meanErrorsAfterBias: 'number',
    stdErrorsAfterBias: 'number?', meanBias: 'number', meanMissingRecall: 'number',
    meanMissingRecallAfterBias: 'number', stdMissingRecallAfterBias: 'number?',
  },
  temperature: { tau: 'number', width: 'number', meanErrors: 'number', stdErrors: 'number?' },
  capacity: {
    student: 'text', parameters: 'number', capacityRatio: 'number', meanAccuracy: 'number', stdAccuracy: 'number?',
    accuracyRatio: 'number',
  },
  deploy: {
    student: 'text', meanErrors: 'number', stdErrors: 'number?', sparsity: 'numbers?', bytes: 'numbers?',
    gzipBytes: 'numbers?', imagesPerSecond: 'numbers?',
  },
  'ta-chain': { chain: 'text', meanStudentErrors: 'number', stdStudentErrors: 'number?', assistantErrors: 'list?' },
  other: {
    method: 'text?', student: 'text?', generation: 'number?', meanErrors: 'number?', stdErrors: 'number?',
    meanAccuracy: 'number?', stdAccuracy: 'number?',
  },
};

function fail(file, where, value, expected) {
  throw new Error(`${file}: ${where} is ${show(value)}, expected ${expected}`);
}

function checkFields(file, where, obj, fields) {
  for (const [key, type] of Object.entries(fields)) {
    const optional = type.endsWith('?');
    const base = optional ? type.slice(0, -1) : type;
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (optional && absent(v)) continue;
    if (!CHECKS[base](v)) fail(file, `${where}.${key}`, v, EXPECTED[base]);
  }
}

/** The capacity fit's row: `{fit: {k, theta, r2}, points: [[C_S/C_T > 0, Acc_S/Acc_T], …], curveAt30Percent}`. */
function checkFit(file, where, row) {
  if (!isObject(row.fit)) fail(file, `${where}.fit`, row.fit, 'an object');
  checkFields(file, `${where}.fit`, row.fit, { k: 'number', theta: 'number', r2: 'number' });
  checkFields(file, where, row, { curveAt30Percent: 'number' });
  const points = row.points;
  const good = Array.isArray(points) && points.length > 0 && points.length <= LIMITS.list &&
    points.every((p) => Array.isArray(p) && p.length === 2 && finite(p[0]) && p[0] > 0 && finite(p[1]));
  if (!good) fail(file, `${where}.points`, points, `1 to ${LIMITS.list} pairs [capacity ratio > 0, accuracy ratio]`);
}

/**
 * Checks one results file (`file` is its name, for messages) and returns it; throws an Error naming the file and the
 * field otherwise.
 */
export function checkResults(doc, file) {
  if (!isObject(doc)) fail(file, 'the file', doc, 'an object');
  checkFields(file, 'the file', doc, { experiment: 'text', command: 'text', commit: 'text', machine: 'text',
    wallSeconds: 'number' });
  const rows = doc.rows;
  if (!Array.isArray(rows) || rows.length > LIMITS.rows) fail(file, 'rows', rows, `a list of at most ${LIMITS.rows}`);
  const fields = ROWS[doc.experiment] ?? ROWS.other;
  rows.forEach((row, i) => {
    const where = `rows[${i}]`;
    if (!isObject(row)) fail(file, where, row, 'an object');
    if ('fit' in row) checkFit(file, where, row);
    else if ('gapClosed' in row) checkFields(file, where, row, { gapClosed: 'number' });
    else checkFields(file, where, row, fields);
  });
  if (doc.experiment === 'temperature') {
    const taus = new Set(rows.filter((r) => !('fit' in r) && !('gapClosed' in r)).map((r) => r.tau)).size;
    if (taus > LIMITS.taus) fail(file, 'the number of temperatures', taus, `at most ${LIMITS.taus}`);
  }
  return doc;
}

/** Checks results/index.json (`{results: [{file, experiment, dataset}, …]}`) and returns it, or throws. */
export function checkIndex(doc, file) {
  if (!isObject(doc)) fail(file, 'the file', doc, 'an object');
  const list = doc.results;
  if (!Array.isArray(list) || list.length > LIMITS.entries) {
    fail(file, 'results', list, `a list of at most ${LIMITS.entries}`);
  }
  list.forEach((entry, i) => {
    if (!isObject(entry)) fail(file, `results[${i}]`, entry, 'an object');
    checkFields(file, `results[${i}]`, entry, { experiment: 'text', dataset: 'text', file: 'text' });
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.json$/.test(entry.file)) {
      fail(file, `results[${i}].file`, entry.file, 'a file name like methods-mnist.json');
    }
  });
  return doc;
}
