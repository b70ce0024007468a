// What the lessons may do with the lab (the `ctx` of defs.js): run a preset to its end, run a chain, ask the worker,
// read a results/ file, set a setting, show panels. It drives the same State, worker and views as the full lab — a
// lesson's run is a run of the lab with a preset — and only waits for what the page already reports.

import { fetchBytes } from '../fetch.js';

/**
 * @param {{state, ask, post: (msg: object) => void, why, start: () => void, isReady: () => boolean,
 *          labels: () => string[], show: (views: string[]) => void}} deps
 */
export function createLessonContext({ state, ask, post, why, start, isReady, labels, show }) {
  let pending = null; // the run a lesson waits for: {resolve, reject, losses, evals}
  let chainJob = null; // {id, stages, resolve, reject}
  let chainId = 0;
  let readyWaiters = [];
  const cache = new Map();

  const whenReady = () => (isReady() ? Promise.resolve() : new Promise((resolve) => readyWaiters.push(resolve)));

  /** Applies a preset (raw values, as in a link); the settings it does not name keep their values. */
  function apply(preset) {
    for (const [key, value] of Object.entries(preset)) state.set(key, value);
  }

  const ctx = {
    ready: isReady,
    labels,
    ask,
    why,
    show,
    set: (key, value) => state.set(key, value),

    /** Runs `preset` to its end: resolves to {done, losses, evals}; rejects on an error, a reset or a new run. */
    async run(preset) {
      apply(preset);
      await whenReady();
      if (pending) pending.reject(new Error('superseded by another run'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject, losses: [], evals: [] };
        start();
      });
    },

    /** Runs a chain (born-again, ta-chain) with `preset` applied; resolves to the finished stages, in order. */
    async chain(kind, { preset = {}, assistant = '256,256', generations = 3 } = {}) {
      apply(preset);
      await whenReady();
      if (chainJob) chainJob.reject(new Error('superseded by another chain'));
      chainId += 1;
      const id = `lesson-${chainId}`;
      return new Promise((resolve, reject) => {
        chainJob = { id, stages: [], resolve, reject };
        post({ command: 'chain', id, kind, config: state.toConfig(), generations, assistant });
      });
    },

    /** A results/ file, parsed (cached for the page's life). */
    results(file) {
      if (!cache.has(file)) {
        // Through fetchBytes: in the published build the file may have a content-hashed name (assets.js).
        cache.set(file, fetchBytes(`./results/${file}`, () => {}).then((bytes) => JSON.parse(new TextDecoder().decode(bytes))));
        cache.get(file).catch(() => cache.delete(file));
      }
      return cache.get(file);
    },
  };

  return {
    ctx,
    /** The lab can take a run (data and teacher loaded, nothing training). */
    onReady() {
      if (!isReady()) return;
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const fn of waiters) fn();
    },
    /** Every message of the current run: collects losses and evaluations, settles on done or error. */
    onRun(msg) {
      if (!pending) return;
      if (msg.status === 'progress' && msg.losses) pending.losses.push(...msg.losses);
      else if (msg.status === 'eval') pending.evals.push(msg);
      else if (msg.status === 'done') {
        const p = pending;
        pending = null;
        p.resolve({ done: msg, losses: p.losses, evals: p.evals });
      }
    },
    /** The run (or the worker) failed or was reset. */
    onFail(message) {
      if (pending) {
        const p = pending;
        pending = null;
        p.reject(new Error(message));
      }
      if (chainJob) {
        const c = chainJob;
        chainJob = null;
        c.reject(new Error(message));
      }
    },
    /** A chain message with a lesson's id; false when it is not a lesson's. */
    onChain(msg) {
      if (!String(msg.id).startsWith('lesson-')) return false;
      const job = chainJob;
      if (!job || job.id !== msg.id) return true;
      if (msg.phase === 'progress' && msg.finishedStage) job.stages[msg.finishedStage.generation] = msg.finishedStage;
      else if (msg.phase === 'done') {
        chainJob = null;
        job.resolve(job.stages);
      } else if (msg.phase === 'error') {
        chainJob = null;
        job.reject(new Error(msg.message));
      }
      return true;
    },
  };
}
