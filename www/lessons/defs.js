// The seven lessons, in order. Each: `key` (its text lives under lesson.<key>.* in the catalogs), `views` (the
// [data-view] panels it shows), `options(ctx)` (the predict-first answers), `act(ctx, ui)` (the one primary action;
// resolves to what was measured), `judge(result, guess, ctx)` → {right, answerLabel, text, source}, and optionally
// `enter` / `ready` (draw the lesson's own view in ui.stage when opened / when the lab is ready).
//
// ctx (from main.js): ready(), labels(), ask(what, args), run(preset) → {done, losses, evals}, chain(kind, opts) →
// stages, why: {refresh, points}, show(views), set(key, value), results(file) → parsed JSON of results/<file>.
// Every number a reveal states comes from the run it just made or from a results/ file it names with its command.

import { t, num, pct } from '../i18n.js';
import { softmaxTau, entropyBits } from '../softmax.js';
import { MISSING3_PRESET } from '../views/missing.js';
import { createSoftPair } from './soft-pair.js';
import { createPitfalls } from './pitfalls.js';
import { createClaims } from './claims.js';

/** Lesson 1's example: MNIST test image #4, a 4. */
const EXAMPLE = 4;

/**
 * Lesson 3's race: 1,000 labelled examples, the default 784-128-10 student, 40 passes, τ = 8. Measured over 5 seeds
 * (results/lessons/methods-mnist.json, its command inside): 971 ± 16 errors distilled against 1,229 ± 23 on hard
 * labels, the distilled student ahead on every seed (at 10 passes and τ = 4 it was behind: 1,382 against 1,305).
 */
export const RACE_PRESET = {
  dataset: 'mnist', arch: 'mlp', hidden: '128', method: 'hinton', alpha: '0.5', tau: '8', lr: '0.001', batch: '64',
  epochs: '40', limit: '1000', race: 'on', eval: '64', transfer: 'all', ramp: 'constant', tent: '0', opt: 'adam',
  sched: 'constant', warmup: '0', seed: '1',
};
export const RACE_RESULTS = 'lessons/methods-mnist.json';

/** The answers' labels, from the catalogs. */
const opts = (key, values) => values.map((value) => ({ value, label: t(`lesson.${key}.options.${value}`) }));
const argmax = (xs) => xs.indexOf(Math.max(...xs));
const meanStd = (row) => `${num(row.meanErrors, { digits: 0 })} ± ${num(row.stdErrors, { digits: 0 })}`;

export const LESSONS = [
  {
    key: 'teacher',
    views: [],
    options: (ctx) => ctx.labels().map((name, i) => ({ value: String(i), label: name })).filter((o) => o.value !== '4'),
    enter(ctx, ui) {
      ctx.set('dataset', 'mnist');
      ui.stage.append(createSoftPair().el);
    },
    async ready(ctx, ui) {
      const view = ui.stage.querySelector('.soft-pair');
      if (!view || view.dataset.drawn || view.dataset.asking) return;
      view.dataset.asking = 'true';
      try {
        view.draw(await ctx.ask('inspectTest', { index: EXAMPLE }), ctx.labels());
      } finally {
        delete view.dataset.asking;
      }
    },
    async act(ctx) {
      ctx.set('vtau', '4');
      const s = await ctx.ask('similarity', { tau: 4, k: 3 });
      // Row EXAMPLE's class (4) of the k×k matrix (k = 10 on MNIST).
      const k = Math.round(Math.sqrt(s.matrix.length));
      const row = s.matrix.slice(4 * k, 5 * k).map((v, j) => (j === 4 ? -1 : v));
      const best = argmax(row);
      const second = argmax(row.map((v, j) => (j === best ? -1 : v)));
      ctx.show(['dark']);
      return { best, second, p: row[best], p2: row[second], self: s.matrix[4 * k + 4] };
    },
    judge(r, guess, ctx) {
      const names = ctx.labels();
      return {
        right: Number(guess) === r.best,
        answerLabel: names[r.best],
        text: t('lesson.teacher.reveal', {
          best: names[r.best], p: pct(r.p), second: names[r.second], p2: pct(r.p2), self: pct(r.self),
        }),
        source: t('lesson.teacher.source'),
      };
    },
  },
  {
    key: 'temperature',
    views: ['explorer'],
    options: () => opts('temperature', ['sharpFlat', 'flatSharp', 'same']),
    enter(ctx) {
      ctx.set('dataset', 'mnist');
      ctx.set('ex', String(EXAMPLE));
    },
    async act(ctx, ui) {
      // Sweep the explorer's τ slider from 0.5 to 20 (log scale) over about two seconds, then measure.
      for (let i = 0; i <= 24; i++) {
        ctx.set('vtau', (0.5 * Math.pow(40, i / 24)).toFixed(2));
        await new Promise((ok) => setTimeout(ok, 80));
      }
      const a = await ctx.ask('inspectTest', { index: EXAMPLE });
      const at = (tau) => softmaxTau(a.teacher, tau);
      ui.progress('');
      return { lo: at(0.5), hi: at(20), one: at(1) };
    },
    judge(r, guess) {
      return {
        right: guess === 'sharpFlat',
        answerLabel: t('lesson.temperature.options.sharpFlat'),
        text: t('lesson.temperature.reveal', {
          top: pct(Math.max(...r.lo), 4), hLo: num(entropyBits(r.lo), { digits: 3 }),
          hOne: num(entropyBits(r.one), { digits: 3 }), hHi: num(entropyBits(r.hi), { digits: 2 }),
          max: num(Math.log2(r.hi.length), { digits: 2 }), min: pct(Math.min(...r.hi), 1),
        }),
        source: t('lesson.temperature.source'),
      };
    },
  },
  {
    key: 'race',
    views: ['status', 'charts', 'race'],
    options: () => opts('race', ['distilled', 'baseline', 'tie']),
    async act(ctx) {
      const [{ done }, measured] = await Promise.all([ctx.run(RACE_PRESET), ctx.results(RACE_RESULTS)]);
      const e = (k) => done.students[k].report.testErrors;
      const rows = Object.fromEntries(measured.rows.map((row) => [row.key, row]));
      return { d: e('distilled'), b: e('baseline'), rows, command: measured.command };
    },
    judge(r, guess) {
      const winner = r.d < r.b ? 'distilled' : r.d > r.b ? 'baseline' : 'tie';
      return {
        right: guess === winner,
        answerLabel: t(`lesson.race.options.${winner}`),
        text: t(winner === 'distilled' ? 'lesson.race.revealWin' : 'lesson.race.revealOther', {
          d: num(r.d), b: num(r.b), dm: meanStd(r.rows.hinton), bm: meanStd(r.rows.hard),
          seeds: num(r.rows.hinton.testErrors.length),
        }),
        source: t('lesson.source', { command: r.command }),
      };
    },
  },
  {
    key: 'tau2',
    views: ['why'],
    options: () => opts('tau2', ['x25', 'x5', 'same', 'larger']),
    async act(ctx) {
      await ctx.why.refresh();
      const points = ctx.why.points();
      if (!points?.length) throw new Error(t('lesson.tau2.noPoints'));
      const at = (tau) => points.reduce((a, b) => (Math.abs(b.tau - tau) < Math.abs(a.tau - tau) ? b : a));
      const [lo, hi] = [at(4), at(20)];
      return { lo, hi, ratio: lo.plain / hi.plain, scaled: hi.scaled / lo.scaled };
    },
    judge(r, guess) {
      // The nearest on a log scale: ×25 (1/τ² over τ 4 → 20), ×5 (1/τ), the same, larger.
      const answer = r.ratio < 0.7 ? 'larger' : r.ratio < Math.sqrt(5) ? 'same' : r.ratio < Math.sqrt(125) ? 'x5' : 'x25';
      return {
        right: guess === answer,
        answerLabel: t(`lesson.tau2.options.${answer}`),
        text: t('lesson.tau2.reveal', {
          lo: num(r.lo.tau, { digits: 1 }), hi: num(r.hi.tau, { digits: 1 }), ratio: num(r.ratio, { digits: 0 }),
          scaled: num(r.scaled, { digits: 2 }),
        }),
        source: t('lesson.tau2.source'),
      };
    },
  },
  {
    key: 'missing3',
    views: ['missing', 'status'],
    options: () => opts('missing3', ['none', 'half', 'most']),
    async act(ctx) {
      const { done } = await ctx.run({ ...MISSING3_PRESET, dataset: 'mnist', seed: '1', eval: '0' });
      const b = done.students.distilled.bias;
      if (!b) throw new Error(t('lesson.missing3.noBias'));
      return b;
    },
    judge(b, guess) {
      const after = b.after.missingRight;
      const answer = after < 0.25 ? 'none' : after < 0.75 ? 'half' : 'most';
      return {
        right: guess === answer,
        answerLabel: t(`lesson.missing3.options.${answer}`),
        text: t('lesson.missing3.reveal', {
          before: pct(b.before.missingRight, 1), after: pct(after, 1), bias: num(b.bias, { digits: 1 }),
          heldOut: num(b.heldOut),
        }),
        source: t('lesson.missing3.source'),
      };
    },
  },
  {
    key: 'pitfalls',
    views: [],
    options: () => opts('pitfalls', ['clearly', 'little', 'no']),
    enter(ctx, ui) {
      ui.stage.append(createPitfalls(ctx).el);
    },
    async act(ctx, ui) {
      const table = ui.stage.querySelector('.pitfalls');
      return table.runAll((text) => ui.progress(text));
    },
    judge(rows, guess) {
      const gap = rows.find((r) => r.key === 'gap');
      const gain = (gap.symptom.errors - gap.remedy.errors) / gap.symptom.errors;
      const answer = gain > 0.1 ? 'clearly' : gain > 0.02 ? 'little' : 'no';
      const helped = rows.filter((r) => r.outcome === 'helped').map((r) => t(`lesson.pitfalls.rows.${r.key}.name`));
      return {
        right: answer === guess,
        answerLabel: t(`lesson.pitfalls.options.${answer}`),
        text: t('lesson.pitfalls.reveal', {
          direct: num(gap.symptom.errors), via: num(gap.remedy.errors),
          helped: helped.length ? helped.join(t('lesson.listSep')) : t('lesson.pitfalls.none'),
          count: num(helped.length), total: num(rows.length),
        }),
        source: t('lesson.pitfalls.source'),
      };
    },
  },
  {
    key: 'claims',
    views: [],
    options: () => opts('claims', ['more3', 'some', 'none']),
    enter(ctx, ui) {
      ui.stage.append(createClaims(ctx).el);
    },
    async act(ctx, ui) {
      const view = ui.stage.querySelector('.claims');
      return view.load();
    },
    judge(rows, guess) {
      const multi = rows.find((r) => r.key === 'multi');
      const gain = multi.gain;
      const answer = gain > 3 ? 'more3' : gain > 0 ? 'some' : 'none';
      return {
        right: answer === guess,
        answerLabel: t(`lesson.claims.options.${answer}`),
        text: t('lesson.claims.reveal', { gain: num(gain, { digits: 2 }), claimed: num(6.3, { digits: 1 }) }),
        source: t('lesson.claims.source'),
      };
    },
  },
];
