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

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { chooseEncoding, compressed } from './compress.mjs';
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

/** Maps a URL path to a file path inside one mount, or null if it escapes or is malformed. */
export function resolvePath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  // Reject any dot-dot segment outright, before and after normalisation.
  if (decoded.split('/').some((seg) => seg === '..')) return null;
  for (const [prefix, dir] of MOUNTS) {
    if (!decoded.startsWith(prefix)) continue;
    let rest = decoded.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const full = resolve(dir, rest);
    if (full !== dir && !full.startsWith(dir + sep)) return null;
    return full;
  }
  return null;
}

/**
 * Extra CSP sources for the benchmark page only: TF.js's bundle evaluates strings, and its threaded wasm backend
 * starts workers from blob: URLs that import blob: scripts (all still this origin). The lab's page keeps the strict policy.
 */
function benchOnly(file, sources) {
  return file === join(ROOT, 'www', 'bench.html') ? sources : '';
}

function send(res, code, text) {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  const rawPath = (req.url || '/').split('?')[0].split('#')[0];
  const file = resolvePath(rawPath);
  if (!file) return send(res, 400, 'bad path\n');
  let info;
  try {
    info = await stat(file);
  } catch {
    return send(res, 404, 'not found\n');
  }
  if (info.isDirectory()) {
    res.writeHead(301, { Location: rawPath + '/' });
    return res.end();
  }
  if (!info.isFile()) return send(res, 404, 'not found\n');
  const encoding = chooseEncoding(file, info.size, req.headers['accept-encoding']);
  const body = encoding ? await compressed(file, info, encoding) : null;
  res.writeHead(200, {
    'Content-Type': MIME[extname(file).toLowerCase()] || 'application/octet-stream',
    'Content-Length': body ? body.length : info.size,
    ...(body ? { 'Content-Encoding': encoding, 'X-Decoded-Length': info.size } : {}),
    Vary: 'Accept-Encoding',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // Nothing on the page may load from another origin.
    'Content-Security-Policy':
      `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'${benchOnly(file, " 'unsafe-eval' blob:")}; ` +
      `worker-src 'self'${benchOnly(file, ' blob:')}; ` +
      "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'",
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
 * @param {{port?: number}} [opts] port 0 picks any free port.
 * @returns {Promise<{server: import('node:http').Server, url: string}>}
 */
export function startServer({ port = 8080 } = {}) {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
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
