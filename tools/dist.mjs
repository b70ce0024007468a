#!/usr/bin/env node
// `make dist`: one self-contained folder for any static host, at any path.
//
//   node tools/dist.mjs [--out dist] [--stamp TEXT] [--precompress]
//
// - Copies what the page needs: www/ (without the benchmark page), both wasm builds (pkg/, pkg-cpu/), the uPlot files
//   the page names, results/*.json. Every URL stays relative (checked here: a root-absolute or remote URL fails).
// - Large files (wasm and its JavaScript glue, data, weights) get content-hashed names; the wasm and the weights are
//   stored gzip-packed where that saves 5 % or more, and the page inflates them itself (DecompressionStream), so a
//   plain host without compression still sends them small. dist/assets.js maps the logical names to these files.
// - dist/index.html gets the Content-Security-Policy as a <meta http-equiv> (tools/csp.mjs, what a meta tag can carry),
//   the build's id, and offline.js, which registers dist/sw.js: sw.js lists every file with its SHA-256 and which
//   ones to save on the first visit (all but the other datasets and their teachers' weights). dist/build.json holds
//   the build's id, for offline.js to see a new deployment.
// - --stamp TEXT goes into the build's id (the tests deploy a "changed build" with it); --precompress adds .br and .gz
//   siblings of the text files for hosts that serve them (nothing depends on them).
// Builds into a temporary folder beside --out and swaps it in at the end.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressed } from './compress.mjs';
import { contentSecurityPolicy } from './csp.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WWW = join(ROOT, 'www');
/** www/ paths that stay out of dist/: the benchmark page (it loads TF.js from /vendor/tfjs), dotfiles; sw.js is generated. */
const EXCLUDE = [/^bench\.html$/, /^bench\//, /^sw\.js$/, /(^|\/)\./];
/** Large files: content-hashed names. The wasm glue goes with its wasm (their generated imports must match). */
const HASHED = (p) => /\.(wasm|gz|safetensors)$/.test(p) || /^pkg(-cpu)?\/distill_lab\.js$/.test(p);
const PACKABLE = (p) => /\.(wasm|safetensors)$/.test(p);
/** Saved on first use only: the other datasets and their teachers' weights; documents the page never fetches. */
const LAZY = (p) => /^data\/(?!mnist\/)/.test(p) || /^models\/(?!mnist-).*\.safetensors$/.test(p) ||
  /(\.md|\.txt|\.debian|SHA256SUMS)$/.test(p);
const TEXT = /\.(html|js|mjs|css|json|svg|md|txt)$/;

const sha256 = (bytes) => createHash('sha256').update(bytes);
const rel = (p) => p.split(sep).join('/');

function parseArgs(argv) {
  const opts = { out: join(ROOT, 'dist'), stamp: '', precompress: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') opts.out = resolve(argv[++i]);
    else if (argv[i] === '--stamp') opts.stamp = String(argv[++i] ?? '');
    else if (argv[i] === '--precompress') opts.precompress = true;
    else throw new Error(`dist.mjs: unknown argument ${JSON.stringify(argv[i])}`);
  }
  return opts;
}

async function walk(dir, base = dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full, base)));
    else if (e.isFile()) out.push(rel(relative(base, full)));
  }
  return out;
}

/** [logical path in dist/, source file] for everything the page needs. */
async function sources() {
  const list = [];
  for (const p of await walk(WWW)) if (!EXCLUDE.some((re) => re.test(p))) list.push([p, join(WWW, p)]);
  for (const dir of ['pkg', 'pkg-cpu']) {
    for (const name of ['distill_lab.js', 'distill_lab_bg.wasm']) {
      const src = join(ROOT, dir, name);
      if (!existsSync(src)) throw new Error(`${dir}/${name} missing: build the wasm first (make wasm; make dist does)`);
      list.push([`${dir}/${name}`, src]);
    }
    const snippets = join(ROOT, dir, 'snippets');
    if (existsSync(snippets)) for (const p of await walk(snippets)) list.push([`${dir}/snippets/${p}`, join(snippets, p)]);
  }
  // The uPlot files the page names (vendor/uplot/… in its scripts and its HTML).
  const uplot = new Set();
  for (const [p, src] of list) {
    if (!/\.(js|html|css)$/.test(p)) continue;
    for (const m of (await readFile(src, 'utf8')).matchAll(/vendor\/uplot\/([\w.-]+)/g)) uplot.add(m[1]);
  }
  for (const name of uplot) list.push([`vendor/uplot/${name}`, join(ROOT, 'node_modules', 'uplot', 'dist', name)]);
  for (const name of (await readdir(join(ROOT, 'results'))).filter((n) => n.endsWith('.json')).sort()) {
    list.push([`results/${name}`, join(ROOT, 'results', name)]);
  }
  for (const [p, src] of list) if (!existsSync(src)) throw new Error(`${p}: ${src} missing (npm ci? make tools does)`);
  return list;
}

/** `dir/name.ext` → `dir/name.<hash>.ext` (`.gz` appended when packed). */
function hashedName(path, hash, packed) {
  const m = /^(.*?)(\.[^./]+)$/.exec(path);
  return `${m[1]}.${hash}${m[2]}${packed ? '.gz' : ''}`;
}

/** Fails on a root-absolute or remote URL in the page's HTML, scripts or styles: dist/ must work at any path. */
function checkRelative(path, text) {
  const patterns = [
    /\b(?:src|href)\s*=\s*["']\s*(?:\/|https?:)/i,
    /\b(?:from|import)\s*\(?\s*["'`]\s*(?:\/|https?:)/,
    /\b(?:fetch|new URL|new Worker|importScripts|register)\s*\(\s*["'`]\s*(?:\/|https?:)/,
    /url\(\s*["']?\s*(?:\/|https?:)/,
  ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) throw new Error(`${path}: an absolute URL (${m[0]}) would break dist/ under a subpath or another host`);
  }
}

function replaceOnce(text, what, by, path) {
  if (text.split(what).length !== 2) throw new Error(`${path}: expected exactly one ${JSON.stringify(what)}`);
  return text.replace(what, () => by);
}

export async function build({ out, stamp = '', precompress = false }) {
  const files = new Map(); // output path → {bytes, logical, hashed, packed}
  const manifest = {};
  const idHash = sha256(`distill-lab dist\0${stamp}\0`);
  const generated = {};
  for (const [logical, src] of await sources()) {
    let bytes = await readFile(src);
    if (logical === 'index.html' || logical === 'assets.js') {
      generated[logical] = bytes.toString('utf8');
      idHash.update(`${logical}\0`).update(bytes);
      continue;
    }
    if (/\.(html|js|css)$/.test(logical)) checkRelative(logical, bytes.toString('utf8'));
    let packed = false;
    if (PACKABLE(logical)) {
      const gz = (await compressed(src, 'gzip')).body;
      if (gz.length <= 0.95 * bytes.length) [bytes, packed] = [gz, true];
    }
    const hashed = HASHED(logical);
    const path = hashed ? hashedName(logical, sha256(bytes).digest('hex').slice(0, 10), packed) : logical;
    if (hashed) manifest[logical] = packed ? { path, gzip: true } : { path };
    files.set(path, { bytes, logical, hashed, packed });
    idHash.update(`${path}\0`).update(sha256(bytes).digest());
  }
  const id = idHash.digest('hex').slice(0, 12);

  // assets.js: the manifest; index.html: the policy, the build's id, offline.js.
  const assets = replaceOnce(generated['assets.js'], "export const BUILD = { id: 'dev', files: {} };",
    `export const BUILD = ${JSON.stringify({ id, files: manifest })};`, 'www/assets.js');
  let html = generated['index.html'];
  checkRelative('index.html', html);
  html = html.replace(/<meta charset="utf-8">/i, (m) => `${m}\n  <meta http-equiv="Content-Security-Policy" ` +
    `content="${contentSecurityPolicy({ meta: true })}">\n  <meta name="distill-lab-build" content="${id}">`);
  if (!html.includes('distill-lab-build')) throw new Error('www/index.html: no <meta charset="utf-8"> to put the policy after');
  html = replaceOnce(html, '</head>', '  <script type="module" src="./offline.js"></script>\n</head>', 'www/index.html');
  files.set('assets.js', { bytes: Buffer.from(assets), logical: 'assets.js' });
  files.set('index.html', { bytes: Buffer.from(html), logical: 'index.html' });

  // sw.js: every file with its integrity; the app shell first, then the large files, smallest first.
  const entries = [...files].map(([path, f]) => ({
    path,
    integrity: `sha256-${sha256(f.bytes).digest('base64')}`,
    size: f.bytes.length,
    precache: !LAZY(f.logical),
    hashed: Boolean(f.hashed),
  })).sort((a, b) => (a.hashed - b.hashed) || (a.hashed ? a.size - b.size : a.path.localeCompare(b.path)));
  const swSource = await readFile(join(WWW, 'sw.js'), 'utf8');
  checkRelative('sw.js', swSource);
  const sw = replaceOnce(swSource, "const BUILD = { id: 'dev', files: [] };",
    `const BUILD = ${JSON.stringify({ id, files: entries })};`, 'www/sw.js');
  files.set('sw.js', { bytes: Buffer.from(sw), logical: 'sw.js' });
  // What offline.js asks the host on each visit (past every cache) to learn whether a new build is deployed.
  files.set('build.json', { bytes: Buffer.from(`${JSON.stringify({ id })}\n`), logical: 'build.json' });
  files.set('.nojekyll', { bytes: Buffer.alloc(0), logical: '.nojekyll' }); // GitHub Pages: publish the files as they are

  const tmp = `${out}.new-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  for (const [path, f] of files) {
    await mkdir(dirname(join(tmp, path)), { recursive: true });
    await writeFile(join(tmp, path), f.bytes);
  }
  let siblings = 0;
  if (precompress) {
    for (const [path, f] of files) {
      if (!TEXT.test(path) || f.bytes.length < 1024) continue;
      for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']]) {
        const body = (await compressed(join(tmp, path), encoding)).body;
        await writeFile(join(tmp, path + ext), body);
        siblings += body.length;
      }
    }
  }
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
  const total = [...files.values()].reduce((a, f) => a + f.bytes.length, 0);
  const precached = entries.filter((e) => e.precache).reduce((a, e) => a + e.size, 0);
  return { id, out, files: files.size, bytes: total, precached, siblings, manifest };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = await build(parseArgs(process.argv.slice(2)));
    const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
    console.log(`${rel(relative(process.cwd(), r.out)) || '.'}/: build ${r.id}, ${r.files} files, ${mb(r.bytes)}; ` +
      `saved for offline use on the first visit: ${mb(r.precached)}` +
      (r.siblings ? `; precompressed siblings: ${mb(r.siblings)}` : ''));
  } catch (e) {
    console.error(`dist.mjs: ${e.message}`);
    process.exit(1);
  }
}
