// Queries to the worker ({command: 'ask'}) as promises, matched to their answers by id.

export function createAsk(getWorker) {
  const pending = new Map();
  let next = 0;

  /** @returns {Promise<any>} the answer's result; rejects with the worker's error message. */
  function ask(what, args = {}, transfer = []) {
    const id = ++next;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      getWorker().postMessage({ command: 'ask', id, what, args }, transfer);
    });
  }

  /** Hands an `answer` message to its caller. */
  ask.settle = (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  };

  /** Fails every open query (the worker was replaced). */
  ask.dropAll = (why) => {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  return ask;
}
