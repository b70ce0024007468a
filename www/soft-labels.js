// A teacher's soft labels on every image of the loaded dataset, in the lab's worker: shares of the images go to helper
// workers (soft-worker.js, one a core up to MAX_HELPERS), each a CPU build of the wasm with the teacher alone, and the
// logits come back into the Lab (ownTeacherPut). The lab's own thread only hands out work, so it stays free for the
// views' queries. Without helpers (a browser that cannot start a worker from a worker, or one that fails), the lab
// computes the rest itself (ownTeacherChunk). Nothing leaves the tab.

/** Images per share: a few seconds of a large CNN, so progress moves and a lost helper costs little. */
const SHARE = 2000;
/** Images per chunk computed on the lab's own thread (its lock is held meanwhile). */
const LOCAL = 500;
const MAX_HELPERS = 4;

/** `from..to` cut into ranges of at most `size`. */
function split([from, to], size) {
  const out = [];
  for (let s = from; s < to; s += size) out.push([s, Math.min(to, s + size)]);
  return out;
}

/** Shares of `0..total` that do not straddle the training and test images (at `train`). */
const shares = (train, total, size) => [...split([0, train], size), ...split([train, total], size)];

/** A helper worker with the teacher loaded; resolves to {run(images) → logits, stop()}, rejects if it cannot start. */
function startHelper(name, bytes) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(new URL('./soft-worker.js', import.meta.url), { type: 'module' });
    } catch (e) {
      reject(e);
      return;
    }
    const pending = new Map();
    let nextId = 0;
    const stop = () => {
      worker.terminate();
      for (const p of pending.values()) p.reject(new Error('helper stopped'));
      pending.clear();
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      stop();
      reject(new Error(e.message || 'helper worker failed'));
    };
    worker.onmessage = ({ data }) => {
      if (data.ready) {
        resolve({ run, stop });
        return;
      }
      const p = pending.get(data.id);
      if (data.id === undefined || !p) {
        stop();
        reject(new Error(data.error));
        return;
      }
      pending.delete(data.id);
      if (data.error) p.reject(new Error(data.error));
      else p.resolve(data.logits);
    };
    function run(images) {
      const id = nextId++;
      return new Promise((res, rej) => {
        pending.set(id, { resolve: res, reject: rej });
        worker.postMessage({ id, images }, [images.buffer]);
      });
    }
    worker.postMessage({ name, bytes });
  });
}

/**
 * Computes the pending teacher's logits on every image (after ownTeacherBegin: `begun` = {train, total}).
 * `withLab(fn)`: a call into the Lab between others; `onDone(done)`: progress; `check()`: throws when superseded;
 * `helpers`: how many helper workers to try (default: the cores, at most MAX_HELPERS).
 */
export async function computeSoftLabels({ withLab, name, bytes, begun, onDone, check, tick, helpers }) {
  const count = helpers ?? Math.max(1, Math.min(MAX_HELPERS, self.navigator?.hardwareConcurrency || 2));
  const queue = shares(begun.train, begun.total, SHARE);
  const started = await Promise.allSettled(Array.from({ length: count }, () => startHelper(name, bytes.slice())));
  const pool = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  let failure = null;

  async function helperLoop(helper) {
    try {
      for (let share; !failure && (share = queue.shift());) {
        check();
        const [from, to] = share;
        const images = await withLab((l) => l.ownTeacherImages(from, to));
        let logits;
        try {
          logits = await helper.run(images);
        } catch (e) {
          queue.push(share); // a lost helper's share goes to the others, or to the lab itself
          return;
        }
        onDone((await withLab((l) => l.ownTeacherPut(from, logits))).done);
      }
    } catch (e) {
      failure ??= e;
    } finally {
      helper.stop();
    }
  }

  try {
    await Promise.all(pool.map(helperLoop));
    if (failure) throw failure;
    // What no helper computed (none started, or some stopped): here, in small chunks.
    for (const [from, to] of queue.splice(0).flatMap((share) => split(share, LOCAL))) {
      check();
      onDone((await withLab((l) => l.ownTeacherChunk(from, to))).done);
      await tick();
    }
  } finally {
    for (const helper of pool) helper.stop();
  }
  return pool.length;
}
