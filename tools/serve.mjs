#!/usr/bin/env node
// Dependency-free static server for distill-lab.
//
//   node tools/serve.mjs [--port N]     (default 8080; 0 = any free port)
//
// Binds 127.0.0.1 only. Mounts:
//   /              -> www/
//   /pkg/          -> pkg/                       (wasm-bindgen output, WebGPU only)
//   /pkg-cpu/      -> pkg-cpu/                   (the CPU-only build, for browsers without WebGPU)
//   /results/      -> results/                   (experiment results, for the page's results view)
//   /vendor/uplot/ -> node_modules/uplot/dist/   (uPlot from the npm package)
//   /vendor/tfjs/  -> node_modules/@tensorflow/  (TF.js 4.22, only for the benchmark page)
// Files ending in .gz are sent as raw bytes (application/gzip, no Content-Encoding):
// the wasm decompresses them itself. The wasm, scripts, JSON and weights go brotli- or gzip-encoded
// (tools/compress.mjs), as a production server would send them.
// Safety: a file is served only if its real path (symlinks resolved) lies inside its mount; only requests whose Host
// names this server are answered (a DNS-rebinding page cannot read it); every response, errors included, carries
// nosniff and a Content-Security-Policy (tools/csp.mjs) that forbids framing.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { chooseEncoding, compressed } from './compress.mjs';
import { contentSecurityPolicy, ERROR_POLICY } from './csp.mjs';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** URL prefix -> directory on disk. Longest prefix first. */
const MOUNTS = [
  ['/vendor/uplot/', join(ROOT, 'node_modules', 'uplot', 'dist')],
  ['/vendor/tfjs/', join(ROOT, 'node_modules', '@tensorflow')],
  ['/pkg/', join(ROOT, 'pkg')],
  ['/pkg-cpu/', join(ROOT, 'pkg-cpu')],
  ['/results/', join(ROOT, 'results')],
  ['/', join(ROOT, 'www')],
];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Maps a URL path to a file path inside one mount, or null if it escapes or is malformed. Textual only: handle()
 * also checks the real path, since a symlink inside a mount may point anywhere.
 * @returns {{file: string, dir: string} | null}
 */
export function resolvePath(urlPath, mounts = MOUNTS) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  // Reject any dot-dot segment outright, before and after normalisation.
  if (decoded.split('/').some((seg) => seg === '..')) return null;
  for (const [prefix, dir] of mounts) {
    if (!decoded.startsWith(prefix)) continue;
    let rest = decoded.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const full = resolve(dir, rest);
    if (full !== dir && !full.startsWith(dir + sep)) return null;
    return { file: full, dir };
  }
  return null;
}

/** True when `file`'s real path (every symlink resolved) is inside the real path of `dir`. */
async function insideMount(file, dir) {
  try {
    const [realFile, realDir] = await Promise.all([realpath(file), realpath(dir)]);
    return realFile === realDir || realFile.startsWith(realDir + sep);
  } catch {
    return false;
  }
}

/** The Host header values this server answers to: its own address by IP or as localhost. */
function allowedHost(host, port) {
  return [`127.0.0.1:${port}`, `localhost:${port}`].includes(String(host || '').toLowerCase());
}

/** Only the benchmark page gets the extra sources TF.js needs (see tools/csp.mjs); the lab's page keeps the strict policy. */
const isBench = (file) => file === join(ROOT, 'www', 'bench.html');

function send(res, code, text) {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': ERROR_POLICY,
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function handle(req, res, { mounts, port }) {
  if (!allowedHost(req.headers.host, port)) return send(res, 421, 'unknown host\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  const rawPath = (req.url || '/').split('?')[0].split('#')[0];
  const found = resolvePath(rawPath, mounts);
  if (!found) return send(res, 400, 'bad path\n');
  const { file } = found;
  let info;
  try {
    info = await stat(file);
  } catch {
    return send(res, 404, 'not found\n');
  }
  // A symlink inside a mount that leads out of it is treated as absent.
  if (!(await insideMount(file, found.dir))) return send(res, 404, 'not found\n');
  if (info.isDirectory()) {
    res.writeHead(301, { Location: rawPath + '/', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': ERROR_POLICY });
    return res.end();
  }
  if (!info.isFile()) return send(res, 404, 'not found\n');
  const encoding = chooseEncoding(file, info.size, req.headers['accept-encoding']);
  const packed = encoding ? await compressed(file, encoding) : null;
  const body = packed ? packed.body : null;
  res.writeHead(200, {
    'Content-Type': MIME[extname(file).toLowerCase()] || 'application/octet-stream',
    'Content-Length': body ? body.length : info.size,
    ...(body ? { 'Content-Encoding': encoding, 'X-Decoded-Length': packed.size } : {}),
    Vary: 'Accept-Encoding',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // Nothing on the page may load from another origin, and no other site may frame it.
    'Content-Security-Policy': contentSecurityPolicy({ bench: isBench(file) }),
    'X-Frame-Options': 'DENY',
    // Cross-origin isolation (SharedArrayBuffer): lets TF.js's wasm backend use threads on the benchmark page.
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  if (req.method === 'HEAD') return res.end();
  if (body) return res.end(body);
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Starts the server on 127.0.0.1.
 * @param {{port?: number, mounts?: Array<[string, string]>}} [opts] port 0 picks any free port; mounts (for tests)
 *   replaces the mount list: [URL prefix, directory], longest prefix first.
 * @returns {Promise<{server: import('node:http').Server, url: string}>}
 */
export function startServer({ port = 8080, mounts = MOUNTS } = {}) {
  const options = { mounts, port };
  const server = createServer((req, res) => {
    handle(req, res, options).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      options.port = server.address().port;
      const url = `http://127.0.0.1:${server.address().port}/`;
      ok({ server, url });
    });
  });
}

function parsePort(argv) {
  const i = argv.indexOf('--port');
  let value = i >= 0 ? argv[i + 1] : undefined;
  const eq = argv.find((a) => a.startsWith('--port='));
  if (eq) value = eq.slice('--port='.length);
  if (value === undefined) return 8080;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`serve.mjs: bad --port ${JSON.stringify(value)} (want 0..65535)`);
    process.exit(2);
  }
  return n;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({ port: parsePort(process.argv.slice(2)) });
  console.log(`distill-lab serving on ${url}`);
}
