// The student's training loop, in the worker: chunks of trainSteps(k) sized to ~CHUNK_MS, evaluations on multiples of
// evalEvery, the data-free generator's grid, NaN pauses, and the end-of-run reports. Messages: see worker.js.

/** Target wall time of one training chunk: long enough to amortise the call, short enough for a snappy pause. */
const CHUNK_MS = 75;

/**
 * `withLab(fn)`: runs fn(lab) between other calls into the wasm; `post`: to the page; `tick`: yields to the event
 * loop; `methodIs(method, test)`: whether the method's catalogue entry passes test; `testTrap`: worker-fatal.js's.
 */
export function createTrainer({ withLab, post, tick, methodIs, testTrap }) {
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

  /** The training loop: chunks of `trainSteps(k)`, k adapted to ~CHUNK_MS, yielding to the event loop between them. */
  return async function train(run) {
    // evalEvery 0: evaluate only at the end.
    const evalEvery = run.config.evalEvery > 0 ? Math.floor(run.config.evalEvery) : Infinity;
    const stats = { trainMs: 0, evalMs: 0, done: 0, ms: { distilled: 0, baseline: 0 }, steps: { distilled: 0, baseline: 0 } };
    let activeMs = 0; // wall time not spent paused
    let k = 1;
    let step = 0;
    let rate = 0;
    let segment = performance.now();

    while (!run.cancelled) {
      if (run.pauseRequested) {
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
      await tick();
    }
  }
}
