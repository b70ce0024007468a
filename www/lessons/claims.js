// Lesson 7's view: the article's table of gains and its capacity rule beside what this lab measured, read from the
// results/ files (several seeds each, with the command that made them). Gains are in percentage points of test
// accuracy on the 10,000 MNIST test images.

import { t, num, pct } from '../i18n.js';
import { createTable } from '../views/table.js';

/** The article's claims (its table of gains, percent), in its order. */
const CLAIMS = [
  { key: 'dynamic', claimed: 3.2 },
  { key: 'self', claimed: 2.8 },
  { key: 'adversarial', claimed: 4.1 },
  { key: 'qat', claimed: 5.6 },
  { key: 'multi', claimed: 6.3 },
];

const acc = (errors) => 100 * (1 - errors / 10000);

/** What this lab measured for one claim: {gain (points), ours, base (accuracy %), file}. */
function measure(key, files) {
  const methods = Object.fromEntries(files.methods.rows.map((r) => [r.key, r]));
  const vsHinton = (k) => ({ ours: methods[k].meanAccuracy, base: methods.hinton.meanAccuracy, file: files.methods });
  switch (key) {
    case 'dynamic': return vsHinton('hinton-tau-cosine');
    case 'adversarial': return vsHinton('adversarial');
    case 'multi': return vsHinton('multi-average');
    case 'self': {
      const gen = files.bornAgain.rows;
      return { ours: acc(gen[1].meanErrors), base: acc(gen[0].meanErrors), file: files.bornAgain };
    }
    case 'qat': {
      const row = (name) => files.qat.rows.find((r) => r.student === name);
      return {
        ours: acc(row('quantization-aware KD, int8').meanErrors),
        base: acc(row('hard labels + post-training int8').meanErrors),
        file: files.qat,
      };
    }
    default: throw new Error(`unknown claim ${key}`);
  }
}

/** The capacity rule: the accuracy ratio kept near 30 % and near 3 % of the teacher's parameters. */
function capacityRule(file) {
  const rows = file.rows.filter((r) => r.capacityRatio !== undefined);
  const near = (c) => rows.reduce((a, b) => (Math.abs(Math.log(b.capacityRatio / c)) < Math.abs(Math.log(a.capacityRatio / c)) ? b : a));
  return { big: near(0.3), small: near(0.03), command: file.command };
}

/** @param {object} ctx the lessons' lab context (defs.js) */
export function createClaims(ctx) {
  const el = document.createElement('div');
  el.className = 'claims table-wrap';
  const { table, body } = createTable('race-table claims-table', t('lesson.claims.caption'),
    ['method', 'claimed', 'measured', 'against', 'command'].map((k) => t(`lesson.claims.cols.${k}`)));
  const rule = document.createElement('p');
  rule.className = 'claims-rule';
  el.append(table, rule);

  /** Reads the results files and fills the table; resolves to the rows ({key, claimed, gain}). */
  el.load = async () => {
    const [methods, bornAgain, qat, capacity] = await Promise.all(
      ['methods-mnist.json', 'born-again-mnist.json', 'qat-mnist.json', 'capacity-mnist.json'].map((f) => ctx.results(f)),
    );
    const files = { methods, bornAgain, qat };
    const rows = CLAIMS.map(({ key, claimed }) => {
      const m = measure(key, files);
      return { key, claimed, gain: m.ours - m.base, ...m };
    });
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.row = r.key;
      tr.dataset.gain = r.gain.toFixed(3);
      const sign = r.gain >= 0 ? '+' : '−';
      const cells = [
        t(`lesson.claims.rows.${r.key}`),
        t('lesson.claims.points', { sign: '+', value: num(r.claimed, { digits: 1 }) }),
        t('lesson.claims.measuredCell', {
          sign, value: num(Math.abs(r.gain), { digits: 2 }), ours: num(r.ours, { digits: 2 }), base: num(r.base, { digits: 2 }),
        }),
        t(`lesson.claims.against.${r.key}`),
        r.file.command,
      ];
      cells.forEach((text, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.scope = 'row';
        if (i === 4) {
          const code = document.createElement('code');
          code.textContent = text;
          td.append(code);
        } else td.textContent = text;
        tr.append(td);
      });
      return tr;
    }));
    const c = capacityRule(capacity);
    rule.textContent = t('lesson.claims.rule', {
      bigShare: pct(c.big.capacityRatio, 0), bigKeeps: pct(c.big.accuracyRatio, 1), bigName: c.big.student,
      smallShare: pct(c.small.capacityRatio, 1), smallKeeps: pct(c.small.accuracyRatio, 1), smallName: c.small.student,
      command: c.command,
    });
    el.dataset.loaded = 'true';
    return rows;
  };
  return { el };
}
