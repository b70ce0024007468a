// The worker's fatal errors, after which its wasm cannot be trusted and the page replaces the worker (recovery.js),
// and the browser tests' forced trap.
//
// A Rust panic aborts the wasm build: it surfaces as a WebAssembly.RuntimeError ('unreachable'), and the Lab's memory
// and borrow flags stay as the panic left them, so every later call may fail too. A lost or failing GPU mostly
// surfaces the same way (wgpu panics on a lost device), else as an error that names the device.

const GPU_FAILED = /device (is |was |has been )?(lost|destroyed|poisoned)|lost device|DeviceLost|GPUDevice|GPUValidationError|out of memory/i;

/** 'trap' (the wasm aborted), 'gpu' (the WebGPU device failed) or null (an ordinary error, e.g. a bad setting). */
export function fatalKind(e, backend) {
  if (e instanceof WebAssembly.RuntimeError) return 'trap';
  if (backend === 'webgpu' && GPU_FAILED.test(e && e.message ? e.message : String(e))) return 'gpu';
  return null;
}

/**
 * The browser tests' forced trap, `{command: 'test-trap', where, atStep}`: the page sends it only when the tests
 * opened it (window.__distillLabTest, set before its scripts run), and a worker obeys it only after `init {test: true}`.
 * - where 'chunk' (the default): the first training chunk that starts at step `atStep` or later throws
 *   WebAssembly.RuntimeError('unreachable'), as a panic in trainSteps does, and so does every later call into the Lab;
 * - 'call': the next call into the Lab throws it (a chain's step, a query), and so does every later one;
 * - 'handler': the message handler throws it (an uncaught error: the page's worker.onerror);
 * - 'hang': the worker's thread spins forever and answers nothing;
 * - 'loseGpu': before the first training chunk that starts at step `atStep` or later, `loseGpu()` destroys the WebGPU
 *   device (as a driver reset would lose it), and the run goes on into whatever that does.
 */
export function createTestTrap({ loseGpu = () => {} } = {}) {
  let enabled = false;
  let atStep = null;
  let lose = false;
  let trapped = false;
  const trap = () => {
    trapped = true;
    throw new WebAssembly.RuntimeError('unreachable');
  };
  return {
    enable() {
      enabled = true;
    },
    /** A test-trap message (ignored in a worker not started for the tests). */
    arm(msg) {
      if (!enabled) return;
      if (msg.where === 'handler') trap();
      if (msg.where === 'hang') for (;;);
      if (msg.where === 'call') trapped = true;
      else atStep = Math.max(0, Number(msg.atStep) || 0);
      lose = msg.where === 'loseGpu';
    },
    /** Before a training chunk that starts at `step`. */
    beforeChunk(step) {
      if (atStep !== null && step >= atStep) {
        atStep = null;
        if (lose) loseGpu();
        else trap();
      }
    },
    /** Before any call into the Lab. */
    beforeCall() {
      if (trapped) throw new WebAssembly.RuntimeError('unreachable');
    },
  };
}
