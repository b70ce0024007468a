// Wires the State, the views and the worker. No training happens on this thread.

import { State, hashParam, methodInfo } from './state.js';
import { createControls } from './views/controls.js';
import { createStatus, backendReason } from './views/status.js';
import { createCharts } from './views/chart.js';
import { createResults, formatAccuracy } from './views/results.js';
import { createExplorer } from './views/explorer.js';
import { createDark } from './views/dark.js';
import { createWhy } from './views/why.js';
import { createRace } from './views/race.js';
import { createWorkerHost } from './worker-host.js';
import { createMethodInfo } from './views/method.js';
import { createChains } from './views/chains.js';
import { createDiscriminatorChart } from './views/discriminator.js';
import { createGeneratedGrid } from './views/generated.js';
import { createExperiments } from './views/experiments.js';
import { createMissing } from './views/missing.js';
import { createOwn } from './views/own.js';
import { createRunMessages } from './run-messages.js';
import { wirePngButtons } from './views/png.js';
import { t, num, setLang, pickLang } from './i18n.js';
import { createLessons } from './lessons/lessons.js';
import { createLessonContext } from './lessons/context.js';
import { createFormula } from './views/formula.js';
import { createLangSwitch } from './views/lang.js';
import { isLessonHash, lessonHash } from './lessons/route.js';

// The catalogs come first: the State's notices and every view below render text from them.
let catalogError = null;
try {
  await setLang(pickLang(hashParam(location.hash, 'lang'), navigator.languages || []));
} catch (e) {
  // Without its catalogs the page still works, showing the English of its markup and the keys of the rest; the one
  // string that cannot come from a catalog says so.
  catalogError = e.message;
}
const { state, notices } = State.fromHash(location.hash);
// A visitor without a link lands on the first lesson; a link with settings opens the lab.
if (isLessonHash(location.hash) && state.get('lesson') === 0) state.set('lesson', 1);
const datasetName = (d) => (d === 'own' ? own.name() ?? t('dataset.own') : t(`dataset.${d}`));
const status = createStatus();
const results = createResults();
const charts = createCharts(document.getElementById('chart-loss'), document.getElementById('chart-acc'));
const discriminator = createDiscriminatorChart(document.getElementById('disc-figure'), document.getElementById('chart-disc'));
const experiments = createExperiments(document.getElementById('experiments'));
const missing = createMissing(document.getElementById('missing'), state, () => start());
experiments.load();
const generated = createGeneratedGrid(document.getElementById('gen-figure'), document.getElementById('gen-grid'),
  document.getElementById('gen-note'));

let worker = null; // what the page posts to (worker-host.js)
let pageState = 'loading';
let canStart = false; // data and teacher of state.dataset are loaded
let loadPending = false;
let loadedDataset = null;
let backendFlag = state.get('backend');
let teacherAccuracy = null;
let trainSize = 60000;
let runId = 0; // tags the messages of the current run
let runEpochs = 1;
let viewValues = null; // the view settings last applied, to tell what changed
let runSnapshot = null; // the settings and link the current run started with (for its exports)
let pausing = false; // a pause was asked for and the current chunk is still running
let classNames = []; // the loaded dataset's class names, in the page's language
let lessonShown = null; // the lesson on screen (0 = the lab; null before the first)

// Starts the worker and, when it fails for good, a new one that restores what it can (worker-host.js, recovery.js).
const host = createWorkerHost({ onStatus: (msg) => onStatus(msg), pageState: () => pageState, restart: boot,
  startAgain: (again) => start(again), notice: (text) => status.notice(text, 'error'),
  onLost: (message) => { lessonCtx.onFail(message); chains.abort(message); },
  stop: (message) => { canStart = false; fail(message); } });
const ask = host.ask;
if (window.__distillLabTest) window.__distillLabTest.points = () => charts.points(); // the browser tests read the curves
const onError = (text) => status.notice(text, 'error');
const explorer = createExplorer({ state, ask, onError });
const dark = createDark({ state, ask, onError });
const why = createWhy({ state, ask, onError });
const race = createRace({
  ask,
  onError,
  // The exports describe the run as it was started, not the form as it is when the button is pressed.
  describe: () => runSnapshot ?? { link: location.href, settings: { ...state.values }, dataset: loadedDataset, backend: backendFlag },
});
const chains = createChains({
  state,
  post: (msg) => worker.postMessage(msg),
  onError,
  teacherErrors: () => (teacherAccuracy == null ? null : Math.round((1 - teacherAccuracy) * 10000)),
});
const VIEW_KEYS = ['vtau', 'scale', 'diag', 'ex'];
const formula = createFormula(document.getElementById('formula'));
createLangSwitch(document.getElementById('lang-switch'), state, () => {
  writeHash();
  location.reload();
});
const lessonCtx = createLessonContext({
  state,
  ask,
  post: (msg) => worker.postMessage(msg),
  why,
  start,
  isReady: () => canStart && pageState !== 'running' && pageState !== 'paused' && pageState !== 'loading',
  labels: () => classNames,
  show: (views) => {
    for (const panel of document.querySelectorAll('[data-view]')) if (views.includes(panel.dataset.view)) panel.hidden = false;
  },
});
const lessons = createLessons({ state, ctx: lessonCtx.ctx, onOpenLab: () => state.set('lesson', 0) });
// The visitor's data and teacher (views/own.js): its messages first; 'needTeacher' leaves Start disabled.
const own = createOwn({
  post: (msg) => worker.postMessage(msg),
  busy: (text) => { loadPending = true; setPageState('loading', text); },
  notice: (text, kind) => status.notice(text, kind),
  loadedDataset: () => loadedDataset,
  onData: (info) => {
    canStart = false;
    loadPending = true;
    loadedDataset = 'own';
    classNames = info.classNames;
    state.set('dataset', 'own');
    controls.render();
    for (const what of ['data', 'teacher']) status.finishBar(what);
    setPageState('ready', t('own.needTeacher', { name: info.name }));
  },
  reload: () => load(),
});

const controls = createControls(document.getElementById('controls'), state, {
  onNotice: (text) => status.notice(text),
  onStart: start,
  onPause: () => {
    worker.postMessage({ command: 'pause' });
    pausing = true;
    status.setText(t('status.pausing'));
  },
  onResume: () => {
    worker.postMessage({ command: 'resume' });
    setPageState('running', t('status.resumed'));
  },
  onReset: reset,
  onCopy: copyLink,
});
const methods = createMethodInfo(document.getElementById('controls'), state, controls);
const onRunMessage = createRunMessages({ charts, discriminator, status, generated, race, formula, results, missing,
  explorer, why, lessonCtx, page: { state: () => pageState, pausing: () => pausing, epochs: () => runEpochs,
    setState: (next, text) => setPageState(next, text) } });

function setPageState(next, text) {
  pageState = next;
  if (next !== 'running') pausing = false;
  status.setState(next, text);
  controls.setMode(next, canStart);
  own.setBusy(next === 'loading' || next === 'running' || next === 'paused');
  lessonCtx.onReady();
  lessons.onReady();
}

/** A lesson's link is just its number (and the language); the lab's link reproduces every setting. */
function writeHash() {
  const hash = state.get('lesson') > 0 ? lessonHash(state) : state.toHash();
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

/** Opens the lesson the State names, or the full lab. */
function applyMode() {
  const n = state.get('lesson');
  if (n === lessonShown) return;
  lessonShown = n; // first: opening a lesson may set settings, which comes back here
  if (n > 0) lessons.open(n);
  else lessons.close();
}

/** Steps the current settings will take: the x range of the charts before a run reports its own. */
function expectedSteps() {
  const n = state.get('limit') > 0 ? Math.min(state.get('limit'), trainSize) : trainSize;
  return Math.ceil(n / state.get('batch')) * state.get('epochs');
}

function clearRun() {
  charts.clear();
  discriminator.clear();
  discriminator.show(Boolean(methodInfo(state.get('method'))?.needs.discriminator));
  generated.clear();
  generated.show(Boolean(methodInfo(state.get('method'))?.needs.generator));
  missing.clear();
  charts.setTotalSteps(expectedSteps());
  status.clearProgress();
  results.clearFinal();
  race.clear();
  formula.clear(state.get('method'));
}

async function showCard(dataset) {
  if (dataset === 'own' || own.payload(dataset).teacher) return results.showCard(null); // the visitor's teacher
  const card = await results.loadCard(dataset, () => state.get('dataset') === dataset,
    (message) => status.notice(t('page.noCard', { name: datasetName(dataset), message })));
  if (card) methods.setTeacher(card.architecture);
}

/** Loads the dataset and its teacher; `keep`: the run on screen (a new worker replaces one that failed). */
function load(keep = false) {
  const dataset = state.get('dataset');
  if (dataset === 'own' && !own.hasData()) {
    status.notice(t('own.noData'), 'error');
    state.set('dataset', 'mnist');
    return controls.render();
  }
  canStart = false;
  loadPending = true;
  loadedDataset = dataset;
  teacherAccuracy = null;
  if (!keep) {
    clearRun();
    chains.clear();
  }
  results.clearTeacher();
  charts.setTeacher(null);
  status.resetBars(['data', 'teacher']);
  setPageState('loading', t('status.loadingDataset', { name: datasetName(dataset) }));
  worker.postMessage({ command: 'load', dataset, ...own.payload(dataset) });
  showCard(dataset);
}

/** Starts a worker; `restore`: it replaces one that failed (worker-host.js). */
function boot(restore = null) {
  status.resetBars(['wasm', 'data', 'teacher']);
  status.setBackend('…', t('backend.starting'));
  worker = host.start(backendFlag, restore);
  load(Boolean(restore));
}

function fail(message) {
  if (loadPending) canStart = false;
  loadPending = false;
  status.notice(message, 'error');
  setPageState('error', t('status.error', { message }));
  lessonCtx.onFail(message);
}

const RUN_MESSAGES = new Set(['progress', 'generated', 'layermap', 'eval', 'paused', 'done']);

function onStatus(msg) {
  const text = msg.key ? t(msg.key, msg.params ?? {}) : msg.message; // errors of own-data.js have catalog keys
  if (own.onStatus(msg)) {
    if (msg.status === 'ownError') {
      loadPending = false;
      setPageState(loadedDataset ? 'ready' : 'error', t('status.error', { message: text }));
    }
    return;
  }
  // A chunk that was in flight when Reset (or Start) was pressed may still report: ignore it.
  if (RUN_MESSAGES.has(msg.status) && (msg.runId !== runId || (pageState !== 'running' && pageState !== 'paused'))) {
    return;
  }
  if (RUN_MESSAGES.has(msg.status)) lessonCtx.onRun(msg);
  if (onRunMessage(msg)) return;
  switch (msg.status) {
    case 'loading':
      // The wasm, the data and the teacher download at the same time; 'backend' ends the wasm's bar.
      status.setBar(msg.what, msg.loaded, msg.total, msg.phase);
      break;
    case 'backend':
      status.finishBar('wasm');
      status.setBackend(msg.backend, backendReason(msg));
      break;
    case 'ready': {
      status.setBackend(msg.backend, backendReason(msg));
      if (msg.readyAt) document.body.dataset.readyAt = String(msg.readyAt);
      // The worker confirms a Reset with 'ready'; a run started since then must not be disturbed.
      if (!loadPending && (pageState === 'running' || pageState === 'paused')) break;
      for (const what of ['wasm', 'data', 'teacher']) status.finishBar(what);
      canStart = true;
      const fresh = loadPending;
      loadPending = false;
      const names = (msg.dataset?.classNames || []).map((n, i) => (msg.dataset.own ? n : t(`classes.${loadedDataset}.${i}`) || n));
      classNames = names;
      generated.setClasses(names); missing.onReady(names); // one grid column, one transfer-set check per class
      if (fresh) {
        explorer.onReady(names);
        dark.onReady(names);
        race.onReady(names);
        why.refresh();
        chains.onReady();
      } else {
        explorer.refresh();
      }
      teacherAccuracy = msg.teacher.testAccuracy;
      if (msg.teacher.file && msg.teacher.spec) methods.setTeacher(msg.teacher.spec);
      results.showTeacherMeasured(msg.teacher);
      charts.setTeacher(teacherAccuracy);
      const d = msg.dataset;
      if (d && d.train > 0) trainSize = d.train;
      if (pageState !== 'running' && pageState !== 'paused') charts.setTotalSteps(expectedSteps());
      setPageState('ready', t('status.ready', {
        name: datasetName(loadedDataset), train: num(d?.train ?? 0), test: num(d?.test ?? 0),
        accuracy: formatAccuracy(teacherAccuracy),
      }));
      break;
    }
    case 'methods': // the catalogue, from each new worker's wasm: the method menu and fields, the link's values
      for (const text of methods.define(msg.catalogue)) status.notice(text);
      break;
    case 'layermap':
      methods.showUsed(msg.map);
      break;
    case 'answer':
      ask.settle(msg);
      break;
    case 'chain':
      if (!lessonCtx.onChain(msg)) chains.onMessage(msg);
      break;
    case 'error':
      fail(text);
      break;
    default:
      break;
  }
}

/** Starts a run; `again` {config}: the run a failed worker had going, on the curves it drew (worker-host.js). */
function start(again = null) {
  if (!canStart) return;
  if (!again) clearRun();
  setPageState('running', t('status.starting'));
  runId += 1;
  const config = again?.config ?? state.toConfig();
  writeHash();
  runSnapshot = {
    link: state.get('lesson') > 0 ? location.origin + location.pathname + state.toHash() : location.href,
    settings: structuredClone(state.values), dataset: loadedDataset, backend: backendFlag,
  };
  runEpochs = config.epochs;
  worker.postMessage({ command: 'start', config, runId });
}

function reset() {
  runId += 1;
  worker.postMessage({ command: 'reset' });
  clearRun();
  charts.flush();
  setPageState('ready', t('status.reset'));
  lessonCtx.onFail(t('status.reset'));
}

async function copyLink() {
  writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    status.notice(t('page.copied'));
  } catch {
    status.notice(t('page.notCopied'));
  }
}

/** Redraws the teaching views whose settings changed. */
function applyViews() {
  const now = Object.fromEntries(VIEW_KEYS.map((k) => [k, state.get(k)]));
  const before = viewValues;
  viewValues = now;
  if (!before || !canStart) return;
  if (VIEW_KEYS.some((k) => before[k] !== now[k])) explorer.onState(before.ex !== now.ex);
  if (before.vtau !== now.vtau || before.diag !== now.diag) dark.onState();
}

/** Applies a settings change, from the form or the address bar. */
function onStateChange() {
  writeHash();
  applyMode();
  applyViews();
  if (pageState === 'ready') charts.setTotalSteps(expectedSteps());
  if (state.get('backend') !== backendFlag) {
    backendFlag = state.get('backend');
    boot();
  } else if (state.get('dataset') !== loadedDataset) {
    load();
  }
}

state.subscribe(onStateChange);
window.addEventListener('hashchange', () => {
  const fresh = state.applyHash(location.hash);
  if (isLessonHash(location.hash) && state.get('lesson') === 0) state.set('lesson', 1);
  for (const text of fresh) status.notice(text);
  controls.render();
  controls.openMoreIfSet();
});

wirePngButtons(() => ({ ...charts.canvases(), ...explorer.canvases(), dark: dark.canvas(), gradient: why.canvas(),
  chain: chains.canvas(), discriminator: discriminator.canvas(), generated: generated.canvas(), ...race.canvases() }), onError);

controls.openMoreIfSet();
for (const text of notices) status.notice(text);
if (catalogError) status.notice(`The page's text could not be loaded (${catalogError}): reload to try again.`, 'error');
applyViews();
applyMode();
writeHash();
await own.restore();
boot();
