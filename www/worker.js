// Module worker: the wasm (and so all training) runs here, never on the page's thread.
// Protocol (GUIDE §3): `{command: …}` in, `{status: …}` out.
//
// In:  init {backend: auto|cpu|webgpu, why?: 'gpuLost', detail?, test?} | load {dataset} | start {config, runId}
//      | pause | resume | reset
//      | ask {id, what, args}: a query of the teaching views, see ASK, or 'ping' | chain … | chainStop: see chain-runner.js
//      | test-trap: the browser tests' forced trap, see worker-fatal.js
// Out: loading {what: 'wasm'|'data'|'teacher', loaded, total, phase}
//      | methods {catalogue}: the wasm's methodCatalogue() ({methods: [{key, name, paper, needs, stages, params}]}),
//      posted once the wasm has started, before backend and before any dataset is ready; the page builds its method
//      menu and fields from it (views/method.js). Each new worker posts it again (the page ignores the same one).
//      | backend {backend, reason}
//      | ready {backend, reason, dataset, teacher} | error {message} | answer {id, result} or {id, error}
//      | fatal {message, kind: 'trap'|'gpu'}: the wasm cannot be trusted any more, the page replaces this worker
//      and, tagged with the runId given to start so that the page can drop late ones from an older run:
//      progress {step, totalSteps, epoch, losses, baselineLosses, discriminator, stepsPerSec}
//      | eval {step, testAccuracy, testErrors, testLoss, baseline: {…} | null}
//      | paused {reason} | done {step, testAccuracy, testErrors, wallSeconds, stepsPerSec, students, teacher}
//      (epoch is 0-based, as the wasm reports it). With config.race, the hard-label twin ('baseline') trains the same
//      steps as the distilled student, chunk by chunk; each one's own training time is measured.

import { fetchBytes, progressReporter } from './fetch.js';
import { startLab } from './worker-backend.js';
import { createChainRunner } from './chain-runner.js';
import { fatalKind, createTestTrap } from './worker-fatal.js';

const DATA_DIRS = { mnist: 'mnist', fashion: 'fashion-mnist' };
const DATA_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
/** The second teacher of each dataset, for the multi-teacher methods. */
const SECOND_TEACHER = { mnist: 'mnist-mlp-teacher' };
/** Target wall time of one training chunk: long enough to amortise the call, short enough for a snappy pause. */
const CHUNK_MS = 75;

let lab = null;
let backend = null; // {backend, reason}
let loaded = null; // {dataset, teacher}
let run = null; // the active training run, see train()
let pauseNext = false;
let initFailed = false;
let queue = Promise.resolve();
let extras = Promise.resolve(); // the teacher network and second teacher of the current load, fetched after 'ready'
let labLock = Promise.resolve();
const testTrap = createTestTrap();

/**
 * Runs `fn(lab)` when no other call into the Lab is in flight: the wasm object may not be re-entered while an async
 * method (a training chunk, a read-back) awaits.
 */
function withLab(fn) {
  const next = labLock.then(() => {
    testTrap.beforeCall();
    return fn(lab);
  });
  labLock = next.catch(() => {});
  return next;
}

/** The views' queries: name → (lab, args) → result. */
const ASK = {
  similarity: (l, a) => l.similarity(a.tau, a.k ?? 3),
  gallery: (l, a) => l.gallery(a.k ?? 8),
  images: (l, a) => l.testImages(Uint32Array.from(a.indices)),
  inspectTest: (l, a) => l.inspectTest(a.index),
  inspectDrawing: (l, a) => l.inspectDrawing(a.gray, a.width, a.height),
  gradient: (l, a) => l.gradientVsTau(a.n ?? 24, Uint32Array.from(a.hidden ?? [128]), BigInt(a.seed ?? 1)),
  report: (l, a) => l.report(a.which),
  teacherReport: (l) => l.teacherReport(),
  exportWeights: (l, a) => l.exportWeights(a.which),
  exportInt8: (l, a) => l.exportInt8(a.which, a.bits),
};

/** The queries that need only the dataset and the teacher's logits (not its network or the second teacher). */
const FROM_LOGITS = new Set(['similarity', 'gallery', 'images', 'inspectTest', 'teacherReport']);

async function ask(msg) {
  try {
    const fn = ASK[msg.what];
    if (!fn) throw new Error(`unknown query ${JSON.stringify(msg.what)}`);
    if (!lab || !loaded) throw new Error('the lab is still loading');
    // Queries of the data and the teacher's stored logits answer at once; the rest wait for its network.
    if (!FROM_LOGITS.has(msg.what)) await extras;
    const result = await withLab((l) => fn(l, msg.args || {}));
    post({ status: 'answer', id: msg.id, result });
  } catch (e) {
    post({ status: 'answer', id: msg.id, error: messageOf(e) });
    ifFatal(e);
  }
}

const post = (msg) => self.postMessage(msg);
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const messageOf = (e) => (e && e.message ? e.message : String(e));
/** Posts an error: `fatal` when the wasm (or, with `gpu`, the WebGPU device) cannot be trusted any more. */
function report(e, gpu = false) {
  const kind = fatalKind(e, backend?.backend) ?? (gpu && backend?.backend === 'webgpu' ? 'gpu' : null);
  post(kind ? { status: 'fatal', kind, message: messageOf(e) } : { status: 'error', message: messageOf(e) });
}
/** Posts `fatal` when `e` is fatal, else nothing (the caller says what failed). */
const ifFatal = (e) => fatalKind(e, backend?.backend) && report(e);
const chains = createChainRunner({ withLab, post, tick, messageOf, fatal: ifFatal });
// A trap in a promise nobody awaits still ends this worker.
self.addEventListener('unhandledrejection', (event) => {
  if (!fatalKind(event.reason, backend?.backend)) return;
  event.preventDefault();
  report(event.reason);
});

self.onmessage = (event) => {
  const msg = event.data || {};
  switch (msg.command) {
    // Pause and resume act at once, between two chunks of the running loop.
    // A pause that arrives before a queued start has begun applies to that start.
    case 'pause':
      if (run && !run.cancelled) run.pauseRequested = true;
      else pauseNext = true;
      return;
    case 'resume':
      pauseNext = false;
      if (run && !run.cancelled) {
        run.pauseRequested = false;
        if (run.wake) run.wake();
      }
      return;
    case 'reset':
      pauseNext = false;
      stopRun();
      return enqueue(async () => {
        await waitRunEnded();
        if (loaded) post({ status: 'ready', ...backend, ...loaded });
      });
    case 'ask':
      // The page's ping (is this worker there?) is answered at once.
      if (msg.what === 'ping') return post({ status: 'answer', id: msg.id, result: true });
      // Queries do not wait for a queued load or start; they take turns with training chunks.
      ask(msg);
      return;
    case 'chain':
      if (!lab || !loaded) return post({ status: 'chain', id: msg.id, phase: 'error', message: 'the lab is still loading' });
      extras.then(() => chains.start(msg)).catch((e) => chains.failed(msg.id, e));
      return;
    case 'chainStop':
      chains.stop().catch(ifFatal);
      return;
    case 'test-trap':
      return testTrap.arm(msg);
    case 'init': {
      if (msg.test === true) testTrap.enable();
      const cause = msg.why === 'gpuLost' ? { why: 'gpuLost', detail: String(msg.detail ?? '') } : null;
      return enqueue(() => init(['auto', 'cpu', 'webgpu'].includes(msg.backend) ? msg.backend : 'auto', cause));
    }
    case 'load': {
      stopRun();
      chains.stop().catch(ifFatal);
      // The downloads start now, while the wasm (queued before) may still be downloading and compiling.
      const downloads = download(msg.dataset);
      return enqueue(() => load(msg.dataset, downloads));
    }
    case 'start':
      pauseNext = false;
      stopRun();
      return enqueue(() => start(msg.config, msg.runId));
    default:
      post({ status: 'error', message: `worker: unknown command ${JSON.stringify(msg.command)}` });
  }
};

/** Runs commands that touch the Lab one at a time; an exception becomes an error status. */
function enqueue(job) {
  queue = queue.then(job).catch((e) => report(e));
}

function stopRun() {
  if (!run) return;
  run.cancelled = true;
  if (run.wake) run.wake();
}

async function waitRunEnded() {
  if (run) await run.ended;
  run = null;
}

/** The methods' catalogue entries by key (what each needs, its parameters), from the running build. */
let methods = new Map();
/** Whether `method`'s catalogue entry passes `test`. */
const methodIs = (method, test) => Boolean(methods.has(method) && test(methods.get(method)));

/** Starts the wasm on the path `mode` asks for (worker-backend.js) and says which, and why. */
async function init(mode, cause) {
  initFailed = true; // until it succeeds; a later load then stays quiet instead of repeating the error
  let catalogue;
  ({ lab, backend, catalogue } = await startLab(mode, post, cause));
  initFailed = false;
  methods = new Map(catalogue.methods.map((m) => [m.key, m]));
  post({ status: 'methods', catalogue });
  post({ status: 'backend', ...backend });
}

/** Starts downloading a dataset's files and its teacher's logits; resolves to their bytes. */
function download(dataset) {
  const dir = DATA_DIRS[dataset];
  if (!dir) return Promise.reject(new Error(`unknown dataset ${JSON.stringify(dataset)}`));
  const report = progressReporter(post, 'data', DATA_FILES.length);
  const teacherReport = progressReporter(post, 'teacher', 1);
  const all = Promise.all([
    Promise.all(DATA_FILES.map((name, i) => fetchBytes(`./data/${dir}/${name}`, report(i)))),
    fetchBytes(`./models/${dataset}-teacher.logits.safetensors`, teacherReport(0)),
  ]);
  all.catch(() => {}); // a failure is reported when load() awaits it, not as an unhandled rejection
  return all;
}

async function load(dataset, downloads) {
  await waitRunEnded();
  if (!lab && initFailed) return;
  if (!lab) throw new Error('the wasm is not initialised');
  loaded = null;
  const [files, logits] = await downloads;

  post({ status: 'loading', what: 'data', loaded: 1, total: 1, phase: 'decode' });
  await tick();
  const { info, teacher } = await withLab((l) => {
    const info = l.loadDataset(dataset, ...files);
    post({ status: 'loading', what: 'teacher', loaded: 1, total: 1, phase: 'decode' });
    return { info, teacher: l.loadTeacher(logits) };
  });
  loaded = {
    dataset: { name: info.name ?? dataset, train: info.train, test: info.test, classNames: info.classNames },
    teacher: { testAccuracy: teacher.testAccuracy, testErrors: teacher.testErrors, spec: null },
    second: null,
  };
  let extrasDone;
  extras = new Promise((resolve) => { extrasDone = resolve; });
  // Ready as soon as a student can distil from the soft labels (readyAt: for tools/bench.mjs).
  post({ status: 'ready', ...backend, ...loaded, readyAt: performance.timeOrigin + performance.now() });
  try {
    // Then, still before any queued start: the teacher's network (drawing, feature methods) and the second teacher
    // of the multi-teacher methods (MNIST only). Queries wait for them.
    const weights = await fetchBytes(`./models/${dataset}-teacher.safetensors`, () => {});
    loaded.teacher.spec = (await withLab((l) => l.loadTeacherModel(weights))).spec;
    if (SECOND_TEACHER[dataset]) {
      try {
        const bytes = await fetchBytes(`./models/${SECOND_TEACHER[dataset]}.logits.safetensors`, () => {});
        loaded.second = await withLab((l) => l.loadSecondTeacher(bytes));
      } catch (e) {
        loaded.second = { error: messageOf(e) }; // the multi-teacher methods then refuse to start, saying why
      }
    }
  } finally {
    extrasDone();
  }
}

async function start(config, id = 0) {
  await waitRunEnded();
  if (!lab || !loaded) throw new Error('load a dataset and its teacher before starting');
  await withLab((l) => l.start(config));
  if (methodIs(config.method, (m) => m.params.some((p) => p.kind === 'layermap'))) post({ status: 'layermap', runId: id, map: await withLab((l) => l.layerMap()) });
  const students = config.race ? ['distilled', 'baseline'] : ['distilled'];
  run = { id, config, students, cancelled: false, pauseRequested: pauseNext, wake: null };
  pauseNext = false;
  // On WebGPU, an error in the middle of a run (its settings were checked by start) is the GPU failing.
  run.ended = train(run).catch((e) => report(e, true));
}

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
async function train(run) {
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
