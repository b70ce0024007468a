// The student's training loop, in the worker: chunks of trainSteps(k) sized to ~CHUNK_MS, evaluations on multiples of
// evalEvery, the data-free generator's grid, NaN pauses, checkpoints, and the end-of-run reports. Messages: see
// worker.js.
//
// Checkpoints (run.checkpoints: on the WebGPU build, whose GPU may be lost): every racing student's weights, optimizer
// state and batch position (Lab.checkpoint), posted to the page, which keeps the latest; a run started again after a
// failure resumes from it (run.from) instead of its seed. One after the first chunk, then at most one per
// CHECKPOINT_MS of training and never more than CHECKPOINT_SHARE of the training time they cover, and one at each pause.
// A checkpoint that fails without the worker failing (not fatal by worker-fatal.js: e.g. a read-back refused) is
// skipped, with a console warning: the run goes on, and the next one is due CHECKPOINT_MS later. A fatal failure (a
// trap, a lost GPU) ends the run as any other would.

/** Target wall time of one training chunk: long enough to amortise the call, short enough for a snappy pause. */
const CHUNK_MS = 75;
/** At most one checkpoint per this much training (wall time) … */
const CHECKPOINT_MS = 2500;
/** … and their read-backs at most this share of the time. */
const CHECKPOINT_SHARE = 0.03;

/**
 * `withLab(fn)`: runs fn(lab) between other calls into the wasm; `post`: to the page; `tick`: yields to the event
 * loop; `methodIs(method, test)`: whether the method's catalogue entry passes test; `testTrap`: worker-fatal.js's;
 * `isFatal(e)`: whether the error `e` leaves the worker's wasm or GPU untrustworthy (worker-fatal.js's fatalKind).
 */
export function createTrainer({ withLab, post, tick, methodIs, testTrap, isFatal }) {
  async function evaluate(run, stats) {
    const t0 = performance.now();
    const [e, b] = await Promise.all(run.students.map((which) => withLab((l) => l.evaluate(which))));
    stats.evalMs += performance.now() - t0;
    const baseline = b ? { testAccuracy: b.testAccuracy, testErrors: b.testErrors, testLoss: b.testLoss } : null;
    post({
      status: 'eval', runId: run.id, step: e.step, testAccuracy: e.testAccuracy, testErrors: e.testErrors, testLoss: e.testLoss,
      softLoss: e.softLoss ?? null, alpha: e.alpha ?? null, tau: e.tau ?? null, baseline,
    });
    return e;
  }

  /**
   * The end-of-run table: one report per student (with its own training time) and the teacher's; after
   * quantization-aware KD, each student as an integer network too (the twin quantized after training).
   */
  async function finalReports(run, stats) {
    const students = {};
    for (const which of run.students) {
      students[which] = await withLab((l) => l.report(which));
      students[which].trainSeconds = stats.ms[which] / 1000;
      if (methodIs(run.config.method, (m) => m.fakeQuant)) {
        students[which].int8 = await withLab((l) => l.quantize(which, run.config.bits));
      }
      if (run.config.transfer && run.config.transfer !== 'all') {
        students[which].bias = await withLab((l) => l.biasCorrection(which));
      }
    }
    const teacher = await withLab((l) => l.teacherReport());
    return { students, teacher };
  }

  /** Trains every racing student up to `target` steps; returns the distilled student's report and the twin's losses. */
  async function trainChunk(run, target, stats) {
    let first = null;
    let baselineLosses = null;
    for (const which of run.students) {
      const have = stats.steps[which];
      testTrap.beforeChunk(have);
      const t0 = performance.now();
      const r = await withLab((l) => l.trainSteps(Math.max(0, target - have), which));
      stats.ms[which] += performance.now() - t0;
      stats.steps[which] = r.step;
      if (which === 'distilled') first = r;
      else baselineLosses = r.losses;
      if (r.nanPaused) return { r: { ...r, message: `${which} student: ${r.message}` }, baselineLosses };
    }
    return { r: first, baselineLosses };
  }

  /**
   * A checkpoint of every racing student at `step` (all of them there), posted with its buffers transferred:
   * {status: 'checkpoint', runId, step, students: {which: Uint8Array}, ms, wallMs, bytes, costMs}.
   */
  async function checkpoint(run, stats, step, wallMs) {
    const t0 = performance.now();
    const students = {};
    for (const which of run.students) students[which] = await withLab((l) => l.checkpoint(which));
    const costMs = performance.now() - t0;
    run.saved = { at: performance.now(), step, costMs };
    if (run.cancelled) return;
    const buffers = Object.values(students).map((b) => b.buffer);
    post({
      status: 'checkpoint', runId: run.id, step, students, ms: { ...stats.ms }, wallMs, costMs,
      bytes: buffers.reduce((sum, b) => sum + b.byteLength, 0),
    }, buffers);
  }

  /** checkpoint(), but one that fails without the worker failing is skipped (see the header); a fatal error is thrown. */
  async function tryCheckpoint(run, stats, step, wallMs) {
    const t0 = performance.now();
    try {
      await checkpoint(run, stats, step, wallMs);
    } catch (e) {
      if (isFatal(e)) throw e;
      console.warn(`checkpoint at step ${step} skipped, the run goes on: ${e && e.message ? e.message : e}`);
      const now = performance.now();
      run.saved = { ...run.saved, at: now, costMs: Math.max(run.saved.costMs, now - t0), skipped: true };
    }
  }

  /** Whether a checkpoint at `step` is due (see the header); `pausing`: the run pauses there. */
  function checkpointDue(run, stats, step, pausing) {
    if (!run.checkpoints || step <= run.saved.step || !run.students.every((w) => stats.steps[w] === step)) return false;
    const since = performance.now() - run.saved.at;
    const first = run.saved.step === run.from.step && !run.saved.skipped;
    return pausing || first || since >= Math.max(CHECKPOINT_MS, run.saved.costMs / CHECKPOINT_SHARE);
  }

  /**
   * The training loop: chunks of `trainSteps(k)`, k adapted to ~CHUNK_MS, yielding to the event loop between them.
   * `run.from` {step, ms, wallMs}: the students were resumed from a checkpoint of that step (else step 0).
   */
  return async function train(run) {
    // evalEvery 0: evaluate only at the end.
    const evalEvery = run.config.evalEvery > 0 ? Math.floor(run.config.evalEvery) : Infinity;
    run.from = { step: 0, ms: {}, wallMs: 0, ...run.from };
    const first = run.from.step;
    const stats = {
      trainMs: 0, evalMs: 0, done: 0,
      ms: { distilled: run.from.ms.distilled ?? 0, baseline: run.from.ms.baseline ?? 0 },
      steps: { distilled: first, baseline: first },
    };
    let activeMs = run.from.wallMs; // wall time not spent paused
    let k = 1;
    let step = first;
    let rate = 0;
    let segment = performance.now();
    run.saved = { at: segment, step: first, costMs: 0 };

    while (!run.cancelled) {
      if (run.pauseRequested) {
        if (checkpointDue(run, stats, step, true)) await tryCheckpoint(run, stats, step, activeMs + performance.now() - segment);
        activeMs += performance.now() - segment;
        post({ status: 'paused', runId: run.id, reason: run.pauseReason || 'paused' });
        run.pauseReason = null;
        await new Promise((resolve) => (run.wake = resolve));
        run.wake = null;
        segment = performance.now();
        continue;
      }

      // Stop each chunk at the next evaluation boundary so that evaluations land on multiples of evalEvery.
      const nextEval = (Math.floor(step / evalEvery) + 1) * evalEvery;
      const n = Math.max(1, Math.min(k, nextEval - step));
      const t0 = performance.now();
      const { r, baselineLosses } = await trainChunk(run, step + n, stats);
      const dt = performance.now() - t0;
      const done = r.step - step;
      step = r.step;
      stats.trainMs += dt;
      stats.done += done;
      if (done > 0) {
        const chunkRate = (done * 1000) / Math.max(dt, 1e-3);
        rate = rate === 0 ? chunkRate : 0.7 * rate + 0.3 * chunkRate;
        // Aim the next chunk at CHUNK_MS; grow at most 2x at a time.
        k = Math.max(1, Math.min(k * 2, Math.round((chunkRate * CHUNK_MS) / 1000)));
      }
      const losses = r.losses instanceof Float32Array ? r.losses : Float32Array.from(r.losses ?? []);
      post({
        status: 'progress', runId: run.id, step, totalSteps: r.totalSteps, epoch: r.epoch, losses, baselineLosses,
        discriminator: r.discriminator, stepsPerSec: rate,
      });

      // Data-free runs: the generator's grid, at most about once a second and at the end.
      if (methodIs(run.config.method, (m) => m.needs.generator) && (r.finished || performance.now() - (run.gridAt ?? 0) > 1000)) {
        run.gridAt = performance.now();
        const images = await withLab((l) => l.generatedImages('distilled'));
        if (images) post({ status: 'generated', runId: run.id, step, images });
      }
      if (r.nanPaused) {
        run.pauseRequested = true;
        run.pauseReason = r.message || 'a loss was NaN or infinite: paused, the last good weights were restored';
        continue;
      }
      if (run.cancelled) break;
      if (r.finished || step >= nextEval) {
        const e = await evaluate(run, stats);
        if (r.finished) {
          const reports = await finalReports(run, stats);
          activeMs += performance.now() - segment;
          post({
            ...reports,
            status: 'done',
            runId: run.id,
            step,
            testAccuracy: e.testAccuracy,
            testErrors: e.testErrors,
            wallSeconds: activeMs / 1000,
            stepsPerSec: stats.trainMs > 0 ? (stats.done * 1000) / stats.trainMs : 0,
          });
          return;
        }
      }
      if (checkpointDue(run, stats, step, false)) await tryCheckpoint(run, stats, step, activeMs + performance.now() - segment);
      await tick();
    }
  }
}
