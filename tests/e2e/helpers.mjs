// Shared set-up for the browser tests: the static server on a free port, Debian's Chromium through playwright-core
// with a fresh profile, and a record of console errors, page errors and every request URL.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../tools/serve.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CLI = join(process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/distill-lab/target'), 'debug', 'distill-lab');

/** Runs the native CLI (built by `cargo build`; make test does) from the repository root; returns its stdout. */
export function cli(args) {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: build the CLI first (cargo build; make test does)`);
  return execFileSync(CLI, args, { cwd: ROOT, encoding: 'utf8' });
}

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];
/** A WebGPU adapter from SwiftShader (CPU-emulated), in the page and in dedicated workers. */
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'];

/** Fails with a clear message when the wasm has not been built. */
export function requireBuild() {
  const missing = ['pkg', 'pkg-cpu'].flatMap((d) => [`${d}/distill_lab.js`, `${d}/distill_lab_bg.wasm`])
    .filter((p) => !existsSync(join(ROOT, p)));
  if (missing.length) {
    throw new Error(`${missing.join(', ')} missing: build the wasm first (\`make wasm\`; \`make test\` builds ` +
      'it before the browser tests)');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
}

/**
 * Starts the server and a browser.
 * @param {{webgpu?: boolean, viewport?: {width: number, height: number}}} [opts]
 */
export async function launch({ webgpu = false, viewport = { width: 1280, height: 900 } } = {}) {
  requireBuild();
  const { server, url } = await startServer({ port: 0 });
  let lab;
  try {
    lab = await openBrowser({ webgpu, viewport, origin: new URL(url).origin });
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    ...lab,
    url,
    async close() {
      await lab.close();
      await new Promise((ok) => server.close(ok));
      server.closeAllConnections?.();
    },
  };
}

/**
 * A browser with a fresh profile for pages of `origin` (served by whatever server the caller runs), with the same
 * record as launch(): console and page errors, every request URL.
 * @param {{webgpu?: boolean, viewport?: {width: number, height: number}, origin: string}} opts
 */
export async function openBrowser({ webgpu = false, viewport = { width: 1280, height: 900 }, origin }) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'distill-lab-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // The fresh profile goes in as --user-data-dir (Playwright passes it; it rejects the flag in args).
      args: [...BASE_ARGS, ...(webgpu ? WEBGPU_ARGS : [])],
      viewport,
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] || (await context.newPage());
  const log = { consoleErrors: [], pageErrors: [], requests: new Set(), console: [] };
  page.on('console', (m) => {
    log.console.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error') log.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => log.pageErrors.push(String(e && e.stack ? e.stack : e)));
  page.on('request', (r) => log.requests.add(r.url()));
  context.on('request', (r) => log.requests.add(r.url()));

  return {
    page,
    context,
    origin,
    log,
    /** Requests that went anywhere but the test server (data: and blob: URLs never leave the page). */
    foreignRequests() {
      return [...log.requests].filter((u) => !u.startsWith(origin + '/') && !/^(data|blob):/.test(u));
    },
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Records the page's Content-Security-Policy violations (the `securitypolicyviolation` events of every document it
 * loads) in `window.__cspViolations`; returns a function that reads them.
 */
export async function watchCsp(page) {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} in ${e.sourceFile || e.documentURI}`);
    });
  });
  return () => page.evaluate(() => window.__cspViolations || []);
}

/** What the page says about itself, for failure messages. */
export async function describe(page) {
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status')?.textContent,
    backend: document.getElementById('backend')?.textContent,
    reason: document.getElementById('backend-reason')?.textContent,
    step: document.getElementById('step')?.textContent,
    notices: [...document.querySelectorAll('#notices li')].map((li) => li.textContent),
  }));
}

/**
 * Waits until document.body.dataset.state is one of `states`; fails at once (with the page's status) on 'error'
 * unless 'error' is expected.
 */
export async function waitForState(page, states, timeout) {
  const wanted = [].concat(states);
  try {
    await page.waitForFunction(
      (w) => w.includes(document.body.dataset.state) || document.body.dataset.state === 'error',
      wanted,
      { timeout, polling: 200 },
    );
  } catch (e) {
    throw new Error(`page did not reach ${wanted.join('|')} in ${timeout} ms: ${JSON.stringify(await describe(page))}`);
  }
  const info = await describe(page);
  if (!wanted.includes(info.state)) throw new Error(`page went to ${info.state}: ${JSON.stringify(info)}`);
  return info;
}

/** Waits until #step >= n and #last-loss is a finite number. */
export async function waitForSteps(page, n, timeout) {
  try {
    await page.waitForFunction(
      (k) => {
        if (document.body.dataset.state === 'error') return true;
        const step = Number(document.getElementById('step').textContent);
        const loss = Number(document.getElementById('last-loss').textContent);
        return step >= k && Number.isFinite(loss);
      },
      n,
      { timeout, polling: 100 },
    );
  } catch {
    throw new Error(`fewer than ${n} steps in ${timeout} ms: ${JSON.stringify(await describe(page))}`);
  }
  const info = await describe(page);
  if (info.state === 'error') throw new Error(`page went to error: ${JSON.stringify(info)}`);
  return Number(info.step);
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function copyToDocs(path, name) {
  await mkdir(join(ROOT, 'docs'), { recursive: true });
  await copyFile(path, join(ROOT, 'docs', name));
}

/** The common end-of-test checks: no console or page errors, nothing requested from another origin. */
export function assertClean(assert, lab) {
  assert.deepEqual(lab.log.pageErrors, [], 'page errors');
  assert.deepEqual(lab.log.consoleErrors, [], 'console errors');
  assert.deepEqual(lab.foreignRequests(), [], `requests outside ${lab.origin}`);
  assert.ok(lab.log.requests.size > 0, 'requests were recorded');
}
