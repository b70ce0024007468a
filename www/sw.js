// The service worker of the published build (`make dist`; registered by offline.js, never in development).
//
// - install: saves one complete version of the lab in a cache of its own: the app shell, both wasm builds, the
//   default dataset and its teachers (BUILD.files with precache). Each file is checked against its SHA-256
//   (Subresource Integrity), so a stale copy in some HTTP cache cannot slip in; a file whose content-hashed name an
//   older version's cache already holds is copied from there instead of downloaded again.
// - fetch: the files of this version come from its cache, cache-first (the rest of BUILD.files, e.g. Fashion-MNIST,
//   is fetched and saved the first time it is used); anything else goes to the network untouched.
// - activate: deletes every other version's cache of this scope, then takes over the open pages. A new version
//   waits until the page asks for it (offline.js does when no training runs) or until no page of the old one is open.
//
// Messages out to the pages: {type: 'progress', build, done, total} (bytes) while installing.
// Messages in: {type: 'activate'} (skip waiting).

// tools/dist.mjs replaces the next line: the build's id and its files ({path, integrity, size, precache, hashed}).
const BUILD = { id: 'dev', files: [] };

const SCOPE = new URL('./', self.location.href);
const PREFIX = `distill-lab ${SCOPE.pathname} `;
const CACHE = PREFIX + BUILD.id;
const FILES = new Map(BUILD.files.map((f) => [f.path, f]));
const PARALLEL = 4;

self.addEventListener('install', (event) => event.waitUntil(precache()));

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'activate') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  let path;
  try {
    path = decodeURIComponent(url.pathname.slice(SCOPE.pathname.length));
  } catch {
    return; // malformed: not one of ours
  }
  if (request.mode === 'navigate' && path === '') path = 'index.html';
  // A query string (other than on a page's own address) means something this build does not know: the network.
  if (url.search && request.mode !== 'navigate') return;
  const file = FILES.get(path);
  if (!file) return;
  event.respondWith(serve(file));
});

const urlOf = (file) => new URL(file.path, SCOPE).href;

/** One file of this version: from its cache, else fetched (checked) and saved there. */
async function serve(file) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(urlOf(file));
  if (hit) return hit;
  const response = await download(file);
  await cache.put(urlOf(file), response.clone());
  return response;
}

/**
 * Fetches a file and checks its SHA-256. A content-hashed file may come from the HTTP cache (the page has just
 * downloaded it); any other file is revalidated, and fetched once more past every cache if its bytes do not match.
 */
async function download(file) {
  const url = urlOf(file);
  const fetchWith = async (cache) => {
    const response = await fetch(url, { cache, integrity: file.integrity, credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${file.path}: HTTP ${response.status}`);
    return response;
  };
  let response;
  try {
    response = await fetchWith(file.hashed ? 'force-cache' : 'no-cache');
  } catch {
    response = await fetchWith('reload');
  }
  // A navigation may not be answered with a redirected response: keep only the bytes and the headers.
  if (response.redirected) {
    response = new Response(await response.blob(), { status: 200, headers: response.headers });
  }
  return response;
}

/** A response for `file` from another version's cache of this scope (content-hashed names only), or undefined. */
async function fromOlderVersion(file) {
  if (!file.hashed) return undefined;
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const hit = await (await caches.open(name)).match(urlOf(file));
    if (hit) return hit;
  }
  return undefined;
}

async function precache() {
  const cache = await caches.open(CACHE);
  const wanted = BUILD.files.filter((f) => f.precache);
  const total = wanted.reduce((a, f) => a + f.size, 0);
  let done = 0;
  let last = 0;
  const report = async (force) => {
    const now = Date.now();
    if (!force && now - last < 250) return;
    last = now;
    for (const client of await self.clients.matchAll({ includeUncontrolled: true, type: 'window' })) {
      client.postMessage({ type: 'progress', build: BUILD.id, done, total });
    }
  };
  const queue = [...wanted];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const url = urlOf(file);
      if (!(await cache.match(url))) {
        const response = (await fromOlderVersion(file)) || (await download(file));
        await cache.put(url, response);
      }
      done += file.size;
      await report(false);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await report(true);
}
