// The worker's side of the chains (born-again generations, teacher assistant, the capacity sweep): trains the Lab's chain in chunks
// through the shared Lab lock, so it interleaves with the race and the views' queries instead of blocking them.
//
// In:  chain {id, kind, config, generations, assistant} | chainStop
// Out: chain {id, phase: 'start', stages} | {id, phase: 'progress', stage, stages, step, totalSteps, finishedStage}
//      | {id, phase: 'done'} | {id, phase: 'error', message}

/** Target wall time of one chunk, as for the race. */
const CHUNK_MS = 75;

/**
 * @param {{withLab: (fn: (lab: any) => any) => Promise<any>, post: (msg: object) => void,
 *          tick: () => Promise<void>, messageOf: (e: any) => string, fatal: (e: any) => void}} deps
 *        fatal: reports an error after which the worker is to be replaced (a wasm trap), else does nothing
 */
export function createChainRunner({ withLab, post, tick, messageOf, fatal }) {
  let job = null; // {id, cancelled, ended}

  /** Chain `id` failed with `e`: says so, and reports a fatal error as such. */
  function failed(id, e) {
    post({ status: 'chain', id, phase: 'error', message: messageOf(e) });
    fatal(e);
  }

  async function loop(me, msg) {
    const stages = await withLab((l) => l.chainStart(msg.kind, msg.config, msg.generations ?? 3, msg.assistant ?? '256,256'));
    post({ status: 'chain', id: me.id, phase: 'start', stages });
    let k = 1;
    while (!me.cancelled) {
      const t0 = performance.now();
      const r = await withLab((l) => (me.cancelled ? null : l.chainSteps(k)));
      if (!r) return;
      const dt = performance.now() - t0;
      // A chunk that ends a stage also evaluates it and computes its logits: do not let it shrink the next one.
      if (!r.finishedStage && r.step > 0) k = Math.max(1, Math.min(k * 2, Math.round((k * CHUNK_MS) / Math.max(dt, 1))));
      post({ status: 'chain', id: me.id, phase: 'progress', ...r });
      if (r.finished) {
        // A capacity sweep ends with the logistic fitted to its students (in the wasm).
        const fit = msg.kind === 'capacity' ? await withLab((l) => l.capacityFit()) : null;
        post({ status: 'chain', id: me.id, phase: 'done', fit });
        return;
      }
      await tick();
    }
  }

  /** Stops the running chain; rejects when the Lab fails to. */
  function stop() {
    if (!job) return Promise.resolve();
    job.cancelled = true;
    const ended = job.ended;
    job = null;
    return ended.then(() => withLab((l) => l.chainStop()));
  }

  return {
    /** Starts a chain, after the previous one (if any) has stopped. */
    async start(msg) {
      await stop();
      const me = { id: msg.id, cancelled: false, ended: null };
      job = me;
      me.ended = loop(me, msg).catch((e) => failed(me.id, e));
    },
    stop,
    failed,
  };
}
