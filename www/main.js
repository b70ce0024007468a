// Wires the State, the views and the worker. No training happens on this thread.

import { State } from './state.js';
import { createControls } from './views/controls.js';
import { createStatus } from './views/status.js';
import { createCharts } from './views/chart.js';
import { createResults, formatAccuracy } from './views/results.js';
import { createExplorer } from './views/explorer.js';
import { createDark } from './views/dark.js';
import { createWhy } from './views/why.js';
import { createRace } from './views/race.js';
import { createAsk } from './ask.js';
import { createMethodInfo } from './views/method.js';
import { createChains } from './views/chains.js';
import { createDiscriminatorChart } from './views/discriminator.js';
import { createGeneratedGrid } from './views/generated.js';
import { createLayerMap } from './views/layermap.js';
import { createExperiments } from './views/experiments.js';
import { createMissing } from './views/missing.js';
import { canvasBlob } from './views/canvas.js';
import { downloadBlob } from './download.js';

const DATASET_NAMES = { mnist: 'MNIST', fashion: 'Fashion-MNIST' };

const { state, notices } = State.fromHash(location.hash);
const status = createStatus();
const results = createResults();
const charts = createCharts(document.getElementById('chart-loss'), document.getElementById('chart-acc'));
const discriminator = createDiscriminatorChart(document.getElementById('disc-figure'), document.getElementById('chart-disc'));
const experiments = createExperiments(document.getElementById('experiments'));
const missing = createMissing(document.getElementById('missing'), state, () => start());
experiments.load();
const layermap = createLayerMap(document.getElementById('lmap-field'), state);
const generated = createGeneratedGrid(document.getElementById('gen-figure'), document.getElementById('gen-grid'),
  document.getElementById('gen-note'));

let worker = null;
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

const ask = createAsk(() => worker);
const onError = (text) => status.notice(text, 'error');
const explorer = createExplorer({ state, ask, onError });
const dark = createDark({ state, ask, onError });
const why = createWhy({ state, ask, onError });
const race = createRace({
  ask,
  onError,
  describe: () => ({ link: location.href, settings: { ...state.values }, dataset: loadedDataset, backend: backendFlag }),
});
const chains = createChains({
  state,
  post: (msg) => worker.postMessage(msg),
  onError,
  teacherErrors: () => (teacherAccuracy == null ? null : Math.round((1 - teacherAccuracy) * 10000)),
});
const VIEW_KEYS = ['vtau', 'scale', 'diag', 'ex'];
createMethodInfo(document.getElementById('controls'), state);

const controls = createControls(document.getElementById('controls'), state, {
  onNotice: (text) => status.notice(text),
  onStart: start,
  onPause: () => {
    worker.postMessage({ command: 'pause' });
    status.setText('Pausing after the current chunk…');
  },
  onResume: () => {
    worker.postMessage({ command: 'resume' });
    setPageState('running', 'Training…');
  },
  onReset: reset,
  onCopy: copyLink,
});

function setPageState(next, text) {
  pageState = next;
  status.setState(next, text);
  controls.setMode(next, canStart);
}

function writeHash() {
  const hash = state.toHash();
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

/** Steps the current settings will take: the x range of the charts before a run reports its own. */
function expectedSteps() {
  const n = state.get('limit') > 0 ? Math.min(state.get('limit'), trainSize) : trainSize;
  return Math.ceil(n / state.get('batch')) * state.get('epochs');
}

function clearRun() {
  charts.clear();
  discriminator.clear();
  discriminator.show(state.get('method') === 'adversarial');
  generated.clear();
  generated.show(state.get('method') === 'data-free');
  missing.clear();
  charts.setTotalSteps(expectedSteps());
  status.clearProgress();
  results.clearFinal();
  race.clear();
}

async function showCard(dataset) {
  try {
    const response = await fetch(`./models/${dataset}-teacher.json`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const card = await response.json();
    if (state.get('dataset') === dataset) {
      results.showCard(card);
      layermap.setTeacher(card.architecture);
    }
  } catch (e) {
    if (state.get('dataset') === dataset) {
      results.showCard(null);
      status.notice(`teacher model card for ${DATASET_NAMES[dataset]} not available (${e.message})`);
    }
  }
}

function load() {
  const dataset = state.get('dataset');
  canStart = false;
  loadPending = true;
  loadedDataset = dataset;
  teacherAccuracy = null;
  clearRun();
  results.clearTeacher();
  chains.clear();
  charts.setTeacher(null);
  status.resetBars(['data', 'teacher']);
  setPageState('loading', `Loading ${DATASET_NAMES[dataset]}…`);
  worker.postMessage({ command: 'load', dataset });
  showCard(dataset);
}

function boot() {
  if (worker) worker.terminate();
  ask.dropAll('the worker was restarted');
  status.resetBars(['wasm', 'data', 'teacher']);
  status.setBackend('…', 'starting the worker…');
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (event) => onStatus(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    fail(`the worker failed: ${event.message || 'could not start it (see the console)'}`);
  };
  worker.onmessageerror = () => fail('a message from the worker could not be read');
  worker.postMessage({ command: 'init', preferGpu: backendFlag !== 'cpu' });
  load();
}

function fail(message) {
  if (loadPending) canStart = false;
  loadPending = false;
  status.notice(message, 'error');
  setPageState('error', `Error: ${message}`);
}

const RUN_MESSAGES = new Set(['progress', 'generated', 'layermap', 'eval', 'paused', 'done']);

function onStatus(msg) {
  // A chunk that was in flight when Reset (or Start) was pressed may still report: ignore it.
  if (RUN_MESSAGES.has(msg.status) && (msg.runId !== runId || (pageState !== 'running' && pageState !== 'paused'))) {
    return;
  }
  switch (msg.status) {
    case 'loading':
      // The wasm, the data and the teacher download at the same time; 'backend' ends the wasm's bar.
      status.setBar(msg.what, msg.loaded, msg.total, msg.phase);
      break;
    case 'backend':
      status.finishBar('wasm');
      status.setBackend(msg.backend, msg.reason);
      break;
    case 'ready': {
      status.setBackend(msg.backend, msg.reason);
      if (msg.readyAt) document.body.dataset.readyAt = String(msg.readyAt);
      // The worker confirms a Reset with 'ready'; a run started since then must not be disturbed.
      if (!loadPending && (pageState === 'running' || pageState === 'paused')) break;
      for (const what of ['wasm', 'data', 'teacher']) status.finishBar(what);
      canStart = true;
      const fresh = loadPending;
      loadPending = false;
      const names = msg.dataset?.classNames || [];
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
      results.showTeacherMeasured(msg.teacher);
      charts.setTeacher(teacherAccuracy);
      const d = msg.dataset;
      if (d && d.train > 0) trainSize = d.train;
      if (pageState !== 'running' && pageState !== 'paused') charts.setTotalSteps(expectedSteps());
      const size = d && d.train ? ` (${d.train.toLocaleString('en-US')} train / ${d.test.toLocaleString('en-US')} test)` : '';
      setPageState('ready', `Ready: ${DATASET_NAMES[loadedDataset] || loadedDataset}${size}, teacher ` +
        `${formatAccuracy(teacherAccuracy)}. Press Start.`);
      break;
    }
    case 'progress': {
      const losses = msg.losses || [];
      if (losses.length) charts.addLosses(msg.step - losses.length + 1, losses, msg.baselineLosses);
      if (msg.discriminator?.length) discriminator.add(msg.step - msg.discriminator.length + 1, msg.discriminator);
      charts.setTotalSteps(msg.totalSteps);
      status.setProgress({
        step: msg.step,
        totalSteps: msg.totalSteps,
        epoch: `${msg.epoch + 1} / ${runEpochs}`, // the wasm counts epochs from 0
        lastLoss: losses.length ? losses[losses.length - 1] : undefined,
        stepsPerSec: msg.stepsPerSec,
      });
      if (pageState === 'running' && !/^Pausing/.test(document.getElementById('status').textContent)) {
        status.setText(`Training: step ${msg.step} of ${msg.totalSteps}`);
      }
      break;
    }
    case 'layermap':
      layermap.showUsed(msg.map);
      break;
    case 'generated':
      generated.draw(msg.images, msg.step);
      break;
    case 'eval':
      // For tools/bench.mjs (time to accuracy): the latest evaluation, readable without parsing the chart.
      document.body.dataset.testAccuracy = String(msg.testAccuracy);
      charts.addEval(msg.step, msg.testAccuracy, msg.baseline ? msg.baseline.testAccuracy : null);
      race.addEval(msg);
      break;
    case 'answer':
      ask.settle(msg);
      break;
    case 'chain':
      chains.onMessage(msg);
      break;
    case 'paused': {
      const text = msg.reason && msg.reason !== 'paused' ? `Paused: ${msg.reason}` : 'Paused. Press Resume.';
      if (msg.reason && msg.reason !== 'paused') status.notice(msg.reason, 'error');
      setPageState('paused', text);
      break;
    }
    case 'done':
      charts.flush();
      results.showFinal(msg);
      race.show(msg);
      missing.show(msg.students);
      explorer.refresh();
      why.refresh();
      setPageState('done', `Done: ${formatAccuracy(msg.testAccuracy)} test accuracy ` +
        `(${msg.testErrors} errors of 10,000).`);
      break;
    case 'error':
      fail(msg.message);
      break;
    default:
      break;
  }
}

function start() {
  if (!canStart) return;
  clearRun();
  setPageState('running', 'Starting…');
  runId += 1;
  const config = state.toConfig();
  runEpochs = config.epochs;
  worker.postMessage({ command: 'start', config, runId });
}

function reset() {
  runId += 1;
  worker.postMessage({ command: 'reset' });
  clearRun();
  charts.flush();
  setPageState('ready', 'Reset. Press Start.');
}

async function copyLink() {
  writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    status.notice('link copied: it reproduces this run');
  } catch {
    status.notice('could not copy: the link in the address bar reproduces this run');
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
  for (const text of state.applyHash(location.hash)) status.notice(text);
  controls.render();
});

const pngSources = () => ({ ...charts.canvases(), ...explorer.canvases(), dark: dark.canvas(), gradient: why.canvas(),
  chain: chains.canvas(), discriminator: discriminator.canvas(), generated: generated.canvas(), ...race.canvases() });
for (const button of document.querySelectorAll('button.png')) {
  const name = button.dataset.png;
  button.setAttribute('aria-label', `download the ${name} chart as PNG`);
  button.addEventListener('click', async () => {
    try {
      downloadBlob(await canvasBlob(pngSources()[name]), `distill-lab-${name}.png`);
    } catch (e) {
      onError(`PNG: ${e.message}`);
    }
  });
}

for (const text of notices) status.notice(text);
applyViews();
writeHash();
boot();
