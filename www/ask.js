// Queries to the worker ({command: 'ask'}) as promises, matched to their answers by id.
//
// A query that gets no answer within its timeout rejects (the view shows the error), and the worker is then probed
// with a ping, which it answers from its message handler at once, even while it trains: no answer to that either, and
// `onDead` is called (the page replaces the worker, recovery.js).

/** How long a query may take by default: queries wait for the teacher's network and take turns with training. */
export const ASK_TIMEOUT_MS = 180_000;
/** How long the ping may take. */
export const PING_TIMEOUT_MS = 20_000;

/**
 * @param {() => Worker} getWorker
 * @param {{timeoutMs?: () => number | undefined, pingMs?: () => number | undefined,
 *          timeoutMessage?: (what: string, seconds: number) => string, onDead?: () => void}} [opts]
 */
export function createAsk(getWorker, opts = {}) {
  const timeoutMs = () => opts.timeoutMs?.() ?? ASK_TIMEOUT_MS;
  const pingMs = () => opts.pingMs?.() ?? PING_TIMEOUT_MS;
  const timeoutMessage = opts.timeoutMessage ?? ((what, s) => `the worker did not answer ${what} within ${s} s`);
  const pending = new Map();
  let next = 0;
  let probing = false;

  /** Posts a query; `onTimeout` runs (and the query is forgotten) when no answer comes within `ms`. */
  function send(what, args, transfer, ms, resolve, reject, onTimeout) {
    const id = ++next;
    const timer = setTimeout(() => {
      if (!pending.delete(id)) return;
      onTimeout();
    }, ms);
    pending.set(id, { resolve, reject, timer });
    getWorker().postMessage({ command: 'ask', id, what, args }, transfer);
  }

  /** Is the worker there at all? Asked once at a time, after a query timed out. */
  function probe() {
    if (probing) return;
    probing = true;
    const worker = getWorker();
    const done = () => (probing = false);
    send('ping', {}, [], pingMs(), done, done, () => {
      done();
      if (getWorker() === worker) opts.onDead?.();
    });
  }

  /** @returns {Promise<any>} the answer's result; rejects with the worker's error message, or on the timeout. */
  function ask(what, args = {}, transfer = []) {
    return new Promise((resolve, reject) => {
      const ms = timeoutMs();
      send(what, args, transfer, ms, resolve, reject, () => {
        reject(new Error(timeoutMessage(what, Math.round(ms / 100) / 10)));
        probe();
      });
    });
  }

  /** Hands an `answer` message to its caller. */
  ask.settle = (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  };

  /** Fails every open query (the worker was replaced). */
  ask.dropAll = (why) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
    }
    pending.clear();
    probing = false;
  };
  return ask;
}
