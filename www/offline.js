// Offline use of the published build: registers the service worker (sw.js) and says, in a line under the page's title,
// how saving for offline use goes. tools/dist.mjs adds this module's <script> tag to dist/index.html only; the
// development server never registers a service worker.
//
// - First visit: registers once the page is ready (the precache then reuses what the page downloaded instead of
//   competing with it), shows the progress, then "ready to work offline".
// - Later visits: the page comes from the saved version; an update check runs. A new deployment is saved in the
//   background; then, if no training runs, the new version takes over and the page reloads into it, so that a visit
//   never mixes two versions. While training runs, the line offers a Reload button instead.

import { BUILD } from './assets.js';
import { has, num, onLang, t } from './i18n.js';

const BUSY = new Set(['running', 'paused']);
const line = document.createElement('p');
line.id = 'offline-status';
line.className = 'tagline';
line.setAttribute('role', 'status');
line.hidden = true;
let message = null; // {key, params, action}

document.documentElement.dataset.build = BUILD.id;
(document.querySelector('header .brand') || document.querySelector('header') || document.body).append(line);
onLang(render);

/** Shows the catalog string `key` (re-rendered on a language change), with an optional button. */
function say(key, params, action) {
  message = { key, params, action };
  line.dataset.offline = key.split('.').pop();
  render();
}

function render() {
  if (!message || !has(message.key)) return; // the catalogs are not loaded yet: onLang renders it then
  line.hidden = false;
  line.textContent = t(message.key, message.params);
  if (message.action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'offline-reload';
    button.className = 'link';
    button.textContent = t('offline.reload');
    button.addEventListener('click', message.action);
    line.append(' ', button);
  }
}

const megabytes = (bytes) => num(bytes / 1e6, { digits: 1 });
const idle = () => !BUSY.has(document.body.dataset.state);

/** Resolves once the page has left its loading state (Start can be pressed, or it failed). */
function settled() {
  return new Promise((resolve) => {
    const check = () => {
      if (document.body.dataset.state && document.body.dataset.state !== 'loading') {
        observer.disconnect();
        resolve();
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
    check();
  });
}

const followed = new WeakSet();

/** Follows an installing worker (once): progress while it saves, then `onInstalled`, or a failure line. */
function follow(worker, progressKey, onInstalled) {
  if (!worker || followed.has(worker)) return;
  followed.add(worker);
  say(progressKey, { done: megabytes(0), total: '…' });
  worker.addEventListener('statechange', () => {
    if (worker.state === 'installed') onInstalled();
    if (worker.state === 'redundant') say('offline.failed', { reason: t('offline.interrupted') });
  });
}

/** Hands over to the waiting version: at once when idle, else when the visitor presses Reload. */
function offerUpdate(registration) {
  const activate = () => registration.waiting && registration.waiting.postMessage({ type: 'activate' });
  if (idle()) activate();
  else say('offline.updateReady', undefined, activate);
}

async function main() {
  const sw = navigator.serviceWorker;
  const controlled = Boolean(sw.controller);
  const progressKey = controlled ? 'offline.updating' : 'offline.saving';
  sw.addEventListener('message', (event) => {
    const m = event.data || {};
    if (m.type === 'progress' && message && message.key === progressKey) {
      say(progressKey, { done: megabytes(m.done), total: megabytes(m.total) });
    }
  });
  sw.addEventListener('controllerchange', () => {
    if (controlled) location.reload(); // a new version took over: open it, whole
    else say('offline.ready');
  });

  // Served by the saved version: ready at once. A first visit registers once the page is ready.
  let registration;
  if (controlled) {
    say('offline.ready');
    registration = await sw.ready;
  } else {
    await settled();
    registration = await sw.register(scriptFor(BUILD.id), { updateViaCache: 'none' });
  }
  const onInstalled = () => {
    if (controlled) offerUpdate(registration);
    // On a first visit the worker activates by itself, and controllerchange says "ready".
  };
  registration.addEventListener('updatefound', () => follow(registration.installing, progressKey, onInstalled));
  follow(registration.installing, progressKey, onInstalled);
  if (controlled && registration.waiting) offerUpdate(registration);
  // Saved already, but this load bypassed it (e.g. a forced reload).
  if (!controlled && registration.active && !registration.installing && !registration.waiting) say('offline.ready');
  if (controlled && navigator.onLine) checkForUpdate(); // offline there is nothing to check
}

/** The service worker's URL for a build: a new build is a new URL, which no cache can answer with the old script. */
const scriptFor = (id) => `./sw.js?build=${encodeURIComponent(id)}`;

/**
 * Asks the host which build it serves now (build.json, past every cache) and registers that build's service worker
 * when it differs. (The browser's own update check revalidates sw.js, and a host whose Last-Modified has one-second
 * steps can answer "not modified" for a build deployed within the same second.)
 */
async function checkForUpdate() {
  try {
    const response = await fetch('./build.json', { cache: 'no-store' });
    if (!response.ok) return;
    const { id } = await response.json();
    if (id && id !== BUILD.id) await navigator.serviceWorker.register(scriptFor(id), { updateViaCache: 'none' });
  } catch {
    // No answer: the saved version stays; the next visit asks again.
  }
}

if ('serviceWorker' in navigator) {
  main().catch((e) => say('offline.failed', { reason: e && e.message ? e.message : String(e) }));
} else {
  say('offline.unsupported');
}
