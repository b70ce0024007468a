// Lesson 6's view: the article's table of pitfalls, each row a one-click experiment that shows the symptom and then
// the remedy the article names, measured here and now (one seed, small budgets: seconds each on the CPU path). A
// remedy that does not help here is said to not help.

import { t, num, pct } from '../i18n.js';
import { createTable } from '../views/table.js';

/** Every pitfall run: the default student on 5,000 examples, 2 passes, no twin, evaluated at the end. */
const BASE = {
  dataset: 'mnist', arch: 'mlp', hidden: '128', method: 'hinton', alpha: '0.5', tau: '4', lr: '0.001', batch: '64',
  epochs: '2', limit: '5000', race: 'off', eval: '0', transfer: 'all', ramp: 'constant', tent: '0', opt: 'adam',
  sched: 'constant', warmup: '0', seed: '1',
};
/** The deployment measurements (speed needs a native timer; see the README's deployment section). */
const DEPLOY = 'deploy-mnist.json';

/** Standard deviation of the second half of a run's step losses: how much training still swings at the end. */
function swing(losses) {
  const tail = losses.slice(Math.floor(losses.length / 2)).filter(Number.isFinite);
  const mean = tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
  return Math.sqrt(tail.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, tail.length - 1));
}

const errorsOf = (done) => done.students.distilled.report.testErrors;

/**
 * One seed at these budgets moves the errors by a few percent: a remedy counts as helping (or hurting) only beyond
 * 5 % fewer (or more) errors; in between the row says there is no clear difference.
 */
const MARGIN = 0.05;
const outcome = (symptom, remedy) => {
  const gain = (symptom - remedy) / symptom;
  return gain > MARGIN ? 'helped' : gain < -MARGIN ? 'worse' : 'same';
};

/** The rows: each `run(ctx)` resolves to {symptom, remedy, outcome} with `text` for the two cells. */
const ROWS = [
  {
    key: 'gap',
    async run(ctx) {
      const stages = await ctx.chain('ta-chain', { preset: { ...BASE, hidden: '16' }, assistant: '256,256' });
      const direct = stages[0].testErrors;
      const via = stages[2].testErrors;
      return {
        symptom: { errors: direct, text: t('lesson.pitfalls.rows.gap.symptomResult', { errors: num(direct) }) },
        remedy: {
          errors: via,
          text: t('lesson.pitfalls.rows.gap.remedyResult', { errors: num(via), assistant: num(stages[1].testErrors) }),
        },
        outcome: outcome(direct, via),
      };
    },
  },
  {
    key: 'oscillation',
    async run(ctx) {
      const a = await ctx.run({ ...BASE, lr: '0.1' });
      const b = await ctx.run({ ...BASE, lr: '0.1', sched: 'cosine', warmup: '0.1' });
      const cell = (r) => ({
        errors: errorsOf(r.done), swing: swing(r.losses),
        text: t('lesson.pitfalls.rows.oscillation.result', { errors: num(errorsOf(r.done)), swing: num(swing(r.losses), { digits: 3 }) }),
      });
      const [symptom, remedy] = [cell(a), cell(b)];
      return { symptom, remedy, outcome: outcome(symptom.errors, remedy.errors) };
    },
  },
  {
    key: 'imitation',
    async run(ctx) {
      const a = await ctx.run({ ...BASE, alpha: '0' });
      const b = await ctx.run({ ...BASE, alpha: '0.5' });
      const cell = (r) => {
        const rep = r.done.students.distilled.report;
        return {
          errors: rep.testErrors,
          text: t('lesson.pitfalls.rows.imitation.result', { errors: num(rep.testErrors), agree: pct(rep.agreement, 1) }),
        };
      };
      const [symptom, remedy] = [cell(a), cell(b)];
      return { symptom, remedy, outcome: outcome(symptom.errors, remedy.errors) };
    },
  },
  {
    key: 'speed',
    async run(ctx) {
      const [r, deploy] = await Promise.all([ctx.run({ ...BASE, method: 'qat', bits: '8' }), ctx.results(DEPLOY)]);
      const s = r.done.students.distilled;
      const q = s.int8;
      const speed = (engine) => {
        const row = deploy.rows.find((x) => x.engine === engine && Math.max(...x.sparsity) === 0);
        return row.imagesPerSecond.reduce((a, b) => a + b, 0) / row.imagesPerSecond.length;
      };
      const [f32, i8] = [speed('float32, burn CPU'), speed('int8, 1 thread')];
      return {
        symptom: {
          errors: s.report.testErrors,
          text: t('lesson.pitfalls.rows.speed.symptomResult', {
            errors: num(s.report.testErrors), kb: num(q.floatBytes / 1024, { digits: 0 }), speed: num(f32, { digits: 0 }),
          }),
        },
        remedy: {
          errors: q.testErrors,
          text: t('lesson.pitfalls.rows.speed.remedyResult', {
            errors: num(q.testErrors), kb: num(q.bytes / 1024, { digits: 0 }), share: pct(q.bytes / q.floatBytes, 0),
            speed: num(i8, { digits: 0 }),
          }),
        },
        // Smaller, but not faster on this CPU: the verdict says so.
        outcome: 'size',
        verdict: t('lesson.pitfalls.rows.speed.verdict', { ratio: num(f32 / i8, { digits: 1 }) }),
        command: deploy.command,
      };
    },
  },
  {
    key: 'align',
    async run(ctx) {
      const a = await ctx.run({ ...BASE });
      const b = await ctx.run({ ...BASE, method: 'fitnets' });
      const cell = (r) => ({ errors: errorsOf(r.done), text: t('lesson.pitfalls.errors', { errors: num(errorsOf(r.done)) }) });
      const [symptom, remedy] = [cell(a), cell(b)];
      return { symptom, remedy, outcome: outcome(symptom.errors, remedy.errors) };
    },
  },
];

/** @param {object} ctx the lessons' lab context (defs.js) */
export function createPitfalls(ctx) {
  const el = document.createElement('div');
  el.className = 'pitfalls table-wrap';
  const { table, body } = createTable('race-table pitfall-table', t('lesson.pitfalls.caption'),
    ['pitfall', 'symptom', 'remedy', 'verdict'].map((k) => t(`lesson.pitfalls.cols.${k}`)));
  el.append(table);
  let running = false;

  const rows = ROWS.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.row = row.key;
    const name = document.createElement('th');
    name.scope = 'row';
    const title = document.createElement('strong');
    title.textContent = t(`lesson.pitfalls.rows.${row.key}.name`);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'pitfall-run';
    button.textContent = t('lesson.pitfalls.run');
    name.append(title, document.createElement('br'), button);
    const cells = ['symptom', 'remedy'].map((k) => {
      const td = document.createElement('td');
      const setting = document.createElement('p');
      setting.className = 'hint';
      setting.textContent = t(`lesson.pitfalls.rows.${row.key}.${k}`);
      const out = document.createElement('p');
      out.className = 'measured';
      td.append(setting, out);
      return { td, out };
    });
    const verdict = document.createElement('td');
    verdict.className = 'verdict';
    tr.append(name, cells[0].td, cells[1].td, verdict);
    body.append(tr);
    const api = {
      key: row.key,
      result: null,
      async run(progress) {
        tr.dataset.state = 'running';
        verdict.textContent = t('lesson.pitfalls.running');
        progress?.(t('lesson.pitfalls.progress', { name: t(`lesson.pitfalls.rows.${row.key}.name`) }));
        try {
          const r = await row.run(ctx);
          cells[0].out.textContent = r.symptom.text;
          cells[1].out.textContent = r.remedy.text;
          verdict.textContent = r.verdict ?? t(`lesson.pitfalls.outcome.${r.outcome}`);
          tr.dataset.state = 'done';
          tr.dataset.outcome = r.outcome;
          api.result = { key: row.key, ...r };
          return api.result;
        } catch (e) {
          tr.dataset.state = 'error';
          verdict.textContent = t('lesson.failed', { message: e.message || String(e) });
          throw e;
        }
      },
    };
    button.addEventListener('click', async () => {
      if (running || !ctx.ready()) return;
      running = true;
      try {
        await api.run();
      } catch {
        // shown in the row
      } finally {
        running = false;
      }
    });
    return api;
  });

  /** Runs every row not yet measured, in order; resolves to the rows' results. */
  el.runAll = async (progress) => {
    running = true;
    try {
      const out = [];
      for (const r of rows) out.push(r.result ?? (await r.run(progress)));
      return out;
    } finally {
      running = false;
    }
  };
  return { el };
}
