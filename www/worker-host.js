// The page's side of the worker's life: starts it, hands its messages to the page, and when it fails for good – a
// wasm trap, a lost GPU (worker.js posts `fatal`), an error it did not catch, a message that cannot be read, no answer
// to a ping (ask.js) – replaces it as recovery.js allows: a new worker (on the CPU build when the WebGPU build failed)
// reloads the data and the teacher, and the run that was going goes on, on the curves it had drawn: from the latest
// checkpoint the worker posted (on WebGPU, worker-train.js), else from its settings and seed. Otherwise the lab stops
// and says to reload. Each failure is told in a notice.

import { createAsk } from './ask.js';
import { createRecovery } from './recovery.js';
import { t, num } from './i18n.js';

/**
 * @param {{onStatus: (msg: object) => void, pageState: () => string, restart: (restore: object) => void,
 *          startAgain: (again: {config: object}) => void, onLost: (message: string) => void,
 *          stop: (message: string) => void, notice: (text: string) => void}} page
 *        restart: starts a new worker (start() below) and reloads, keeping the run on screen; startAgain: starts the
 *        run `again.config` on those curves; onLost: what waited for the old worker failed; stop: the lab stops.
 */
export function createWorkerHost(page) {
  // Set only by the browser tests, before the page's scripts run (tests/e2e/recovery.test.mjs): traps to force in
  // each new worker ({traps: [{where, atStep}, …]}), shorter timeouts, the restart window; `post` is set here; lists
  // `checkpoints`, `resumed` and `progress`, when given, collect what the workers posted of those; `corruptCheckpoint`
  // damages the checkpoint handed to the new worker.
  const hooks = globalThis.__distillLabTest ?? null;
  const recovery = createRecovery({ windowMs: () => hooks?.restartWindowMs });
  let worker = null;
  let backend = null; // the build the worker runs, once it has said
  let lostWorker = null; // the worker whose failure was handled last
  let run = null; // the run started last: {config, runId}
  let restoring = false; // the new worker's first 'ready' starts the run again
  let again = null; // the run being started again
  let saved = null; // the latest checkpoint of the run going: {runId, step, students, ms, wallMs}

  const ask = createAsk(() => worker, {
    timeoutMs: () => hooks?.askTimeoutMs, pingMs: () => hooks?.pingMs,
    timeoutMessage: (what, seconds) => t('error.askTimeout', { what, seconds }),
    onDead: () => failed(worker, t('error.unresponsive')),
  });

  function onMessage(w, msg) {
    if (w !== worker || !msg) return;
    if (msg.status === 'backend') backend = msg.backend;
    if (msg.status === 'fatal') return failed(w, msg.message);
    if (msg.status === 'checkpoint') {
      if (msg.runId === run?.runId) saved = msg;
      hooks?.checkpoints?.push({ runId: msg.runId, step: msg.step, bytes: msg.bytes, costMs: msg.costMs });
      return;
    }
    if (msg.status === 'resumed') {
      hooks?.resumed?.push({ runId: msg.runId, step: msg.step, message: msg.message ?? null });
      if (msg.message) page.notice(t('recovery.refused', { message: msg.message, step: num(recovery.through()) }));
      return;
    }
    // A finished run is not resumed: its latest checkpoint (up to tens of MB) goes.
    if (msg.status === 'done' && msg.runId === run?.runId) saved = null;
    if (msg.status === 'progress') hooks?.progress?.push({ runId: msg.runId, step: msg.step, count: msg.losses?.length ?? 0 });
    if (msg.status === 'progress') msg = recovery.trim(msg);
    // The evaluations of the steps before the failure are on the charts already.
    if (msg.status === 'eval' && msg.step <= recovery.through()) return;
    page.onStatus(msg);
    if (msg.status === 'error') restoring = false; // the reload failed: nothing to start again
    if (msg.status === 'ready' && restoring) {
      restoring = false;
      again = recovery.takeRun();
      if (again) page.startAgain(again);
      again = null;
    }
  }

  /** The page's commands, seen on the way: the run's settings (to start it again), a new run or a reset. */
  function post(w, msg, transfer) {
    if (msg.command === 'start') {
      run = { config: msg.config, runId: msg.runId };
      saved = null;
      if (again) recovery.restarted(msg.runId);
      else recovery.clear();
      const from = again?.checkpoint;
      if (from) {
        // The checkpoint's bytes move to the new worker (transferred, not copied).
        const { step, students, ms, wallMs } = from;
        if (hooks?.corruptCheckpoint) students.distilled[students.distilled.length - 9] ^= 1; // tests: a damaged one
        msg = { ...msg, resume: { step, students, ms, wallMs } };
        transfer = [...transfer, ...Object.values(students).map((b) => b.buffer)];
      }
    } else if (msg.command === 'reset' || (msg.command === 'load' && !restoring)) {
      recovery.clear();
      saved = null;
    }
    w.postMessage(msg, transfer);
    if (msg.command === 'start' && again?.paused) w.postMessage({ command: 'pause' });
  }

  /** The worker `w` failed for good. */
  function failed(w, message) {
    if (w !== worker || w === lostWorker) return;
    lostWorker = w;
    w.terminate();
    const state = page.pageState();
    const running = state === 'running' || state === 'paused';
    ask.dropAll(t('error.workerReplaced'));
    page.onLost(message);
    // A worker that never started its wasm is not started again: the next would fail the same way.
    // Checkpoints come from the WebGPU build only; the new worker, on the CPU build, resumes from the latest.
    const checkpoint = running && backend === 'webgpu' && saved?.runId === run?.runId ? saved : null;
    saved = null;
    if (!backend || !recovery.allow({ running, paused: state === 'paused', runId: run?.runId, config: run?.config, checkpoint })) {
      page.stop(t(backend ? 'recovery.stopped' : 'error.worker', { message }));
      return;
    }
    let key = running ? 'recovery.run' : state === 'done' ? 'recovery.done' : 'recovery.idle';
    if (checkpoint) key = 'recovery.resume';
    page.notice(t(key, { message, step: num(recovery.through()), from: num(checkpoint?.step ?? 0) }));
    if (backend === 'webgpu') page.notice(t('recovery.cpu'));
    page.restart(backend === 'webgpu' ? { backend: 'cpu', why: 'gpuLost', detail: message } : {});
  }

  return {
    ask,
    /**
     * Starts a worker on `backendFlag` (auto|cpu|webgpu), ending the one before; `restore` {backend?, why?, detail?}:
     * it replaces one that failed. Returns what the page posts to: {postMessage}.
     */
    start(backendFlag, restore = null) {
      if (worker) worker.terminate();
      ask.dropAll(t('error.workerReplaced'));
      const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      worker = w;
      backend = null;
      restoring = Boolean(restore);
      w.onmessage = (event) => onMessage(w, event.data);
      w.onerror = (event) => {
        event.preventDefault();
        failed(w, event.message || t('error.workerStart'));
      };
      w.onmessageerror = () => failed(w, t('error.workerMessage'));
      w.postMessage({ command: 'init', backend: restore?.backend ?? backendFlag, why: restore?.why,
        detail: restore?.detail, test: Boolean(hooks), softHelpers: hooks?.softHelpers });
      if (hooks?.traps?.length) w.postMessage({ command: 'test-trap', ...hooks.traps.shift() });
      if (hooks) hooks.post = (msg) => w.postMessage(msg);
      return { postMessage: (msg, transfer = []) => post(w, msg, transfer) };
    },
  };
}
