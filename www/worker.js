// Module worker: the wasm (and so all training) runs here, never on the page's thread.
// Protocol (GUIDE §3): `{command: …}` in, `{status: …}` out.
//
// In:  init {backend: auto|cpu|webgpu, why?: 'gpuLost', detail?, test?} | load {dataset}
//      | start {config, runId, resume?: {step, students: {which: bytes}, ms, wallMs}: a checkpoint to go on from}
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
//      | checkpoint {step, students: {which: Uint8Array}, ms, wallMs, bytes, costMs}: on WebGPU, see worker-train.js
//      | resumed {step, message?}: the run went on from its checkpoint's step, or (message: why not) from its seed
//      (epoch is 0-based, as the wasm reports it). With config.race, the hard-label twin ('baseline') trains the same
//      steps as the distilled student, chunk by chunk; each one's own training time is measured.

import { fetchBytes, progressReporter } from './fetch.js';
import { startLab } from './worker-backend.js';
import { createChainRunner } from './chain-runner.js';
import { fatalKind, createTestTrap } from './worker-fatal.js';
import { createTrainer } from './worker-train.js';
import { createOwn } from './worker-own.js';

const DATA_DIRS = { mnist: 'mnist', fashion: 'fashion-mnist' };
const DATA_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
/** The second teacher of each dataset, for the multi-teacher methods. */
const SECOND_TEACHER = { mnist: 'mnist-mlp-teacher' };

let lab = null;
let backend = null; // {backend, reason}
let loaded = null; // {dataset, teacher}
let waiting = null; // the visitor's dataset (its info for the page) while it waits for a teacher
let run = null; // the active training run, see train()
let pauseNext = false;
let initFailed = false;
let queue = Promise.resolve();
let extras = Promise.resolve(); // the teacher network and second teacher of the current load, fetched after 'ready'
let labLock = Promise.resolve();
const testTrap = createTestTrap({ loseGpu: () => lab?.testLoseDevice() });

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

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const messageOf = (e) => (e && e.message ? e.message : String(e));
/** Posts an error: `fatal` when the wasm (or, with `gpu`, the WebGPU device) cannot be trusted any more. */
function report(e, gpu = false) {
  if (e?.cancelled) return; // superseded by a newer command (worker-own.js)
  const kind = fatalKind(e, backend?.backend) ?? (gpu && backend?.backend === 'webgpu' ? 'gpu' : null);
  // An error of own-data.js carries its catalog key, for the page to say it in its language.
  post(kind ? { status: 'fatal', kind, message: messageOf(e) } : { status: 'error', message: messageOf(e), key: e?.key, params: e?.params });
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
      own.cancel();
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
      if (msg.test === true && Number.isInteger(msg.softHelpers)) own.helpers = msg.softHelpers; // tests: 0 = no helpers
      // The failure's first line only (wgpu's errors go on with their causes and a backtrace).
      const detail = String(msg.detail ?? '').split(/\r?\n|\\n/)[0].slice(0, 200);
      const cause = msg.why === 'gpuLost' ? { why: 'gpuLost', detail } : null;
      return enqueue(() => init(['auto', 'cpu', 'webgpu'].includes(msg.backend) ? msg.backend : 'auto', cause));
    }
    case 'load': {
      stopRun();
      own.cancel();
      chains.stop().catch(ifFatal);
      // The downloads start now, while the wasm (queued before) may still be downloading and compiling.
      const downloads = msg.dataset === 'own' ? null : download(msg.dataset, Boolean(msg.teacher));
      return enqueue(() => load(msg, downloads));
    }
    // The visitor's own dataset files {files} or teacher file {teacher: {name, file|bytes}}, or a teacher to train
    // {arch, epochs, seed, limit}: a refusal ('ownError') leaves what is loaded as it was.
    case 'ownData':
    case 'ownTeacher':
    case 'trainTeacher':
      stopRun();
      own.cancel();
      chains.stop().catch(ifFatal);
      return enqueue(() => ownCommand(msg));
    case 'start':
      pauseNext = false;
      stopRun();
      return enqueue(() => start(msg.config, msg.runId, msg.resume));
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
const train = createTrainer({
  withLab, post, tick, methodIs, testTrap, isFatal: (e) => Boolean(fatalKind(e, backend?.backend)),
});
const own = createOwn({ withLab, post, tick, resize: (gray, w, h) => lab.constructor.mnistLike(gray, w, h) });

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

/** Starts downloading a bundled dataset's files and (unless the visitor brings one) its teacher's logits. */
function download(dataset, ownTeacher) {
  const dir = DATA_DIRS[dataset];
  if (!dir) return Promise.reject(new Error(`unknown dataset ${JSON.stringify(dataset)}`));
  const report = progressReporter(post, 'data', DATA_FILES.length);
  const teacherReport = progressReporter(post, 'teacher', 1);
  const all = Promise.all([
    Promise.all(DATA_FILES.map((name, i) => fetchBytes(`./data/${dir}/${name}`, report(i)))),
    ownTeacher ? null : fetchBytes(`./models/${dataset}-teacher.logits.safetensors`, teacherReport(0)),
  ]);
  all.catch(() => {}); // a failure is reported when load() awaits it, not as an unhandled rejection
  return all;
}

/**
 * Loads a dataset and its teacher: {dataset} a bundled one, or 'own' with {own: {files}} the visitor's; {teacher}:
 * the visitor's teacher file instead of the bundled one. Without a teacher for its own data the lab waits for one.
 */
async function load(msg, downloads) {
  await waitRunEnded();
  if (!lab && initFailed) return;
  if (!lab) throw new Error('the wasm is not initialised');
  loaded = null;
  waiting = null;
  let info;
  let teacher = null;
  if (msg.dataset === 'own') info = await own.loadData(msg.own?.files ?? []);
  else {
    const [files, logits] = await downloads;
    post({ status: 'loading', what: 'data', loaded: 1, total: 1, phase: 'decode' });
    await tick();
    info = await withLab((l) => l.loadDataset(msg.dataset, ...files));
    if (logits) {
      post({ status: 'loading', what: 'teacher', loaded: 1, total: 1, phase: 'decode' });
      teacher = await withLab((l) => l.loadTeacher(logits));
    }
  }
  if (msg.teacher) teacher = await own.loadTeacher(msg.teacher);
  if (!teacher) return needTeacher(info);
  await ready(info, teacher, msg.teacher ? null : msg.dataset);
}

/** The lab holds the visitor's dataset `info` and waits for its teacher (a file, or one trained here). */
function needTeacher(info) {
  waiting = datasetInfo(info);
  post({ status: 'needTeacher', dataset: waiting });
}

/** What the page is told of a dataset. */
const datasetInfo = (info) => ({
  name: info.name, train: info.train, test: info.test, classNames: info.classNames, own: Boolean(info.own),
  resized: Boolean(info.resized), inverted: Boolean(info.inverted),
});

/**
 * The lab is ready to distil; `bundled`: the bundled dataset whose teacher's network (for drawing, the feature
 * methods) and second teacher (multi-teacher methods) are fetched next; a teacher of the visitor's has them already.
 */
async function ready(info, teacher, bundled) {
  waiting = null;
  loaded = {
    dataset: datasetInfo(info),
    teacher: { testAccuracy: teacher.testAccuracy, testErrors: teacher.testErrors, spec: teacher.spec ?? null,
      file: teacher.file ?? null, helpers: teacher.helpers ?? null },
    second: null,
  };
  let extrasDone;
  extras = new Promise((resolve) => { extrasDone = resolve; });
  // Ready as soon as a student can distil from the soft labels (readyAt: for tools/bench.mjs).
  post({ status: 'ready', ...backend, ...loaded, readyAt: performance.timeOrigin + performance.now() });
  if (!bundled) return extrasDone();
  try {
    // Then, still before any queued start: the teacher's network (drawing, feature methods) and the second teacher
    // of the multi-teacher methods (MNIST only). Queries wait for them.
    const weights = await fetchBytes(`./models/${bundled}-teacher.safetensors`, () => {});
    loaded.teacher.spec = (await withLab((l) => l.loadTeacherModel(weights))).spec;
    if (SECOND_TEACHER[bundled]) {
      try {
        const bytes = await fetchBytes(`./models/${SECOND_TEACHER[bundled]}.logits.safetensors`, () => {});
        loaded.second = await withLab((l) => l.loadSecondTeacher(bytes));
      } catch (e) {
        loaded.second = { error: messageOf(e) }; // the multi-teacher methods then refuse to start, saying why
      }
    }
  } finally {
    extrasDone();
  }
}

/** The visitor's data, teacher or teacher to train (see onmessage); a refusal keeps what was loaded. */
async function ownCommand(msg) {
  await waitRunEnded();
  if (!lab) throw new Error('the wasm is not initialised');
  try {
    if (msg.command === 'ownData') {
      const info = await own.loadData(msg.files);
      loaded = null; // the lab holds the new data, without a teacher
      if (!msg.teacher) return needTeacher(info);
      return await ready(info, await own.loadTeacher(msg.teacher), null);
    }
    const info = loaded?.dataset ?? waiting;
    if (!info) throw new Error('load a dataset first');
    const teacher = msg.command === 'ownTeacher' ? msg.teacher
      : await own.trainTeacher(msg, info.name);
    await ready(info, await own.loadTeacher(teacher), null);
  } catch (e) {
    if (e?.cancelled || fatalKind(e, backend?.backend)) throw e;
    post({ status: 'ownError', what: msg.command, message: messageOf(e), key: e?.key, params: e?.params });
    // A refused teacher leaves the lab's teacher as it was; tell the page again what it has.
    if (loaded && msg.command !== 'ownData') post({ status: 'ready', ...backend, ...loaded });
  }
}

async function start(config, id = 0, resume = null) {
  await waitRunEnded();
  if (!lab || !loaded) throw new Error('load a dataset and its teacher before starting');
  await withLab((l) => l.start(config));
  if (methodIs(config.method, (m) => m.params.some((p) => p.kind === 'layermap'))) post({ status: 'layermap', runId: id, map: await withLab((l) => l.layerMap()) });
  const students = config.race ? ['distilled', 'baseline'] : ['distilled'];
  const from = resume ? await resumeFrom(resume, config, students, id) : null;
  run = {
    id, config, students, cancelled: false, pauseRequested: pauseNext, wake: null, from,
    checkpoints: backend?.backend === 'webgpu', // a GPU may be lost; the CPU build's runs start again from their seed
  };
  pauseNext = false;
  // On WebGPU, an error in the middle of a run (its settings were checked by start) is the GPU failing.
  run.ended = train(run).catch((e) => report(e, true));
}

/**
 * Resumes each student of the run just started from its checkpoint in `resume`; returns where the run goes on from
 * ({step, ms, wallMs}), or null when the checkpoint was refused: the run is started again from its seed instead.
 * Says which in `resumed`.
 */
async function resumeFrom(resume, config, students, id) {
  try {
    const steps = [];
    for (const which of students) {
      const bytes = resume.students?.[which];
      if (!bytes) throw new Error(`no checkpoint of the ${which} student`);
      steps.push(await withLab((l) => l.resume(which, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))));
    }
    if (steps.some((s) => s !== steps[0])) throw new Error(`the students' checkpoints are at steps ${steps.join(', ')}`);
    post({ status: 'resumed', runId: id, step: steps[0] });
    return { step: steps[0], ms: resume.ms ?? {}, wallMs: resume.wallMs ?? 0 };
  } catch (e) {
    if (fatalKind(e, backend?.backend)) throw e;
    await withLab((l) => l.start(config)); // the students as start made them, from the seed
    post({ status: 'resumed', runId: id, step: 0, message: messageOf(e) });
    return null;
  }
}
