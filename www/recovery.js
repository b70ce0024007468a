// Recovery from a worker that failed for good: a wasm trap (the build aborts on a Rust panic, which surfaces as a
// WebAssembly.RuntimeError such as 'unreachable'), a lost or failing GPU, an exception the worker did not catch, a
// message that could not be read, a worker that stopped answering. The page (main.js) replaces the worker – with the
// CPU build when the WebGPU build failed –, reloads the data and the teacher, and goes on with the interrupted run.
//
// A resume when there is a checkpoint: on WebGPU the worker posts one of each racing student now and then
// (worker-train.js; weights, optimizer state, batch order and position, the step), and the page keeps the latest
// (worker-host.js). The new worker starts the run from its settings and loads the checkpoint (Lab.resume): the run
// goes on from the checkpoint's step, with the same step count and accuracy, on the CPU. The steps between the
// checkpoint and the failure are trained again; those already drawn are not drawn a second time.
//
// A restart without one (a failure before the first checkpoint, any failure of the CPU build, which takes none, or a
// checkpoint the new worker refuses): the run starts again from its settings and seed; the same seed takes the same
// batches, so its first steps retrace the lost ones, and the retraced steps already drawn are not drawn again.
//
// At most one automatic restart per WINDOW_MS, and one per run: a second failure stops the lab with a Reload hint.

export const WINDOW_MS = 60_000;

/** The entries of `values` (the steps that end at `last`) after step `through`, and the step of the first of them. */
export function stepsAfter(values, last, through) {
  const all = values || [];
  const first = last - all.length + 1;
  const skip = Math.min(all.length, Math.max(0, through - first + 1));
  return { first: first + skip, values: all.slice(skip) };
}

/** @param {{windowMs?: () => number | undefined, now?: () => number}} [opts] */
export function createRecovery({ windowMs = () => undefined, now = () => performance.now() } = {}) {
  let lastRestart = -Infinity;
  let restartedRun = null; // the id of the run started again after the last failure
  let drawn = 0; // the last step on the charts
  let through = 0; // the steps up to here are on the charts from a worker that failed
  let pending = null; // the run to start again once the new worker is ready: {config, paused, checkpoint}

  return {
    /**
     * A started worker failed: true to replace it (and, when a run was going, to start that again), false to stop.
     * @param {{running: boolean, paused: boolean, runId: number, config: object | null, checkpoint?: object | null}} now
     *        the page at the failure; checkpoint: the run's latest, to resume it from
     */
    allow({ running, paused, runId, config, checkpoint = null }) {
      const t = now();
      if (t - lastRestart < (windowMs() ?? WINDOW_MS) || (running && runId === restartedRun)) return false;
      lastRestart = t;
      pending = running && config ? { config, paused, checkpoint } : null;
      if (pending) through = drawn;
      return true;
    },
    /** The run to start again on the new worker (once; null when none). */
    takeRun() {
      const run = pending;
      pending = null;
      return run;
    },
    /** The run started again got this id. */
    restarted(runId) {
      restartedRun = runId;
    },
    /** The steps up to this one were drawn before the failure. */
    through: () => through,
    /** The charts were cleared: a new run, a reset, another dataset. */
    clear() {
      drawn = 0;
      through = 0;
    },
    /** A progress message without the steps drawn before the failure (its losses, the twin's, the discriminator's). */
    trim(msg) {
      drawn = Math.max(drawn, msg.step);
      if (msg.step - Math.max(msg.losses?.length ?? 0, msg.discriminator?.length ?? 0) >= through) return msg;
      const after = (values) => (values ? stepsAfter(values, msg.step, through).values : values);
      return {
        ...msg, losses: after(msg.losses), baselineLosses: after(msg.baselineLosses), discriminator: after(msg.discriminator),
      };
    },
  };
}
