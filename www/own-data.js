// A visitor's own dataset, read in the page's module worker (issue 19): the four IDX files of an MNIST-like set, or
// one zip of grayscale PNGs in folders named by class. No network, no dependencies; the zip is read by zip.js.
//
// A refusal is an OwnDataError whose key names an 'ownData.err.*' message of www/i18n/*.json, with the file in its
// params; nothing is half-returned. The IDX bytes are passed on as given: the wasm parses and checks them.

import { MAX_ZIP_BYTES, OwnDataError, checkEntries, checkFileSize, extractEntry, openZip, readSlice } from './zip.js';
import { decodePng as decodeAnyPng, pngSize } from './png.js';

export { MAX_ZIP_BYTES, OwnDataError };

/** The lab's input: 28×28 grayscale, bright ink on black (as MNIST). */
export const SIDE = 28;
const PIXELS = SIDE * SIDE;
export const MIN_CLASSES = 2;
export const MAX_CLASSES = 62;
/** Zip-bomb guard on the number of images (with MAX_INFLATED_BYTES of zip.js on their bytes). */
export const MAX_IMAGES = 200_000;
/** A larger side is refused before decoding: a few KB of PNG can declare a canvas of gigabytes. */
export const MAX_SIDE = 2048;
/** A pixel whose R, G, B differ by more than this (after compositing over black) makes an image a colour one. */
const GREY_TOLERANCE = 8;
/** Without train/ and test/ folders, every 6th image of each class (in path order) is a test image: a 5:1 split. */
const TEST_EVERY = 6;
/** PNGs decoded at once: enough to keep the browser's decoder busy, few enough to bound the RGBA buffers alive. */
const DECODE_CONCURRENCY = 8;
/** onProgress is called at most this often (plus at the start and end of each phase). */
const PROGRESS_MS = 100;

const IDX_ROLES = [
  { role: 'trainImages', re: /train[-_.]?images/, expect: 'train-images-idx3-ubyte' },
  { role: 'trainLabels', re: /train[-_.]?labels/, expect: 'train-labels-idx1-ubyte' },
  { role: 'testImages', re: /(t10k|test)[-_.]?images/, expect: 't10k-images-idx3-ubyte' },
  { role: 'testLabels', re: /(t10k|test)[-_.]?labels/, expect: 't10k-labels-idx1-ubyte' },
];

const fail = (key, params, message) => new OwnDataError(`ownData.err.${key}`, params, message);

/**
 * Reads a visitor's dataset files.
 * @param {ArrayLike<Blob & {name: string}>} files from <input type=file multiple> or a drop
 * @param {{resize?: (gray: Uint8Array, w: number, h: number) => Uint8Array,
 *   decodePng?: (bytes: Uint8Array) => Promise<{width: number, height: number, rgba: Uint8ClampedArray}>,
 *   onProgress?: (p: {phase: 'unzip'|'decode', done: number, total: number, file: string}) => void}} [opts]
 *   resize: to 28×28 (needed only for other sizes); decodePng: default png.js's (plain PNGs itself, others by the
 *   browser: createImageBitmap + OffscreenCanvas).
 * @returns {Promise<{kind: 'idx', name: string, files: Uint8Array[], fileNames: string[], classNames: string[] | null}
 *   | {kind: 'pixels', name: string, source: string, classNames: string[],
 *     train: {pixels: Uint8Array, labels: Uint8Array}, test: {pixels: Uint8Array, labels: Uint8Array},
 *     resized: boolean, inverted: boolean, size: [number, number]}>}
 *   idx: files (raw or gzip, as given) and their names, in the order train images, train labels, test images, test
 *   labels. pixels: source is the zip's file name; training images then test images, each by class then path.
 * @throws {OwnDataError}
 */
export async function readOwnData(files, opts = {}) {
  const list = Array.from(files ?? []);
  if (!list.length) throw fail('noFiles', { file: '' }, 'no file was given');
  list.forEach(checkFileSize);
  // A .zip, or a lone file that is no IDX file: the zip reader says whether it is a zip.
  const lone = list.length === 1 && !idxRole(list[0].name) ? list[0] : null;
  const zip = list.find((f) => /\.zip$/i.test(f.name)) ?? lone;
  if (!zip) return readIdxSet(list);
  if (list.length > 1) {
    throw fail('mixed', { file: zip.name },
      `${zip.name}: give one zip of PNG folders alone, or the four IDX files (and classes.txt), not both`);
  }
  return readPngZip(zip, opts);
}

// ---- IDX files ----

/** 'classes' for classes.txt, an IDX_ROLES row for an IDX file's name, else null. */
function idxRole(name) {
  const lower = name.toLowerCase();
  if (lower === 'classes.txt') return 'classes';
  return IDX_ROLES.find((r) => r.re.test(lower)) ?? null;
}

async function readIdxSet(list) {
  const found = {};
  for (const f of list) {
    const role = idxRole(f.name);
    if (!role) {
      throw fail('unknownFile', { file: f.name },
        `${f.name} is neither a zip of PNG folders nor one of the IDX files (train-images, train-labels, ` +
        't10k-images, t10k-labels, optionally .gz) nor classes.txt');
    }
    const key = role === 'classes' ? 'classes' : role.role;
    if (found[key]) {
      const other = found[key].name;
      throw fail('duplicate', { file: f.name, other }, `${f.name} and ${other} are the same kind of file`);
    }
    found[key] = f;
  }
  const missing = IDX_ROLES.find((r) => !found[r.role]);
  if (missing) {
    throw fail('idxMissing', { file: missing.expect },
      `no ${missing.expect} file: the four IDX files (training and test images and labels) are needed`);
  }
  const files = await Promise.all(IDX_ROLES.map(({ role }) => readSlice(found[role], 0, found[role].size)));
  const { classes } = found;
  const classNames = classes ? parseClassNames(classes.name, await readSlice(classes, 0, classes.size)) : null;
  const fileNames = IDX_ROLES.map(({ role }) => found[role].name);
  return { kind: 'idx', name: idxSetName(found.trainImages.name), files, fileNames, classNames };
}

/** One class name a line (blank lines skipped); the count checked here, its match with the labels by the wasm. */
function parseClassNames(file, bytes) {
  const names = new TextDecoder().decode(bytes).split(/\r\n|\r|\n/).map((s) => s.trim()).filter(Boolean);
  checkClassCount(file, names.length);
  return names;
}

/** The set's name: what precedes the role in the training images' name (emnist-letters-train-images…). */
function idxSetName(name) {
  const m = IDX_ROLES[0].re.exec(name.toLowerCase());
  return name.slice(0, m.index).replace(/[-_.\s]+$/, '') || 'IDX';
}

function checkClassCount(file, count) {
  if (count < MIN_CLASSES || count > MAX_CLASSES) {
    throw fail('classCount', { file, count, min: MIN_CLASSES, max: MAX_CLASSES },
      `${file} has ${count} classes; the lab takes ${MIN_CLASSES} to ${MAX_CLASSES}`);
  }
}

// ---- A zip of PNG folders ----

async function readPngZip(file, opts) {
  const zip = await openZip(file);
  const { classNames, items, counts } = planLayout(zip.name, zip.entries);
  checkEntries(zip.name, items.map((it) => it.entry));
  const progress = reporter(opts.onProgress, zip.name);
  const pngs = await unzipAll(zip, items, progress);
  const [w, h] = checkSizes(zip.name, items, pngs);
  const resize = w === SIDE && h === SIDE ? null : opts.resize;
  if (resize !== null && typeof resize !== 'function') {
    throw new TypeError(`readOwnData: ${w}×${h} images need opts.resize`);
  }
  const decoded = await decodeAll(zip.name, items, pngs, [w, h], counts, { ...opts, resize }, progress);
  const name = zip.name.replace(/\.zip$/i, '') || zip.name;
  const { train, test, inverted } = decoded;
  return { kind: 'pixels', name, source: zip.name, classNames, train, test, resized: !!resize, inverted, size: [w, h] };
}

/**
 * Where each image goes: `<class>/…png` (split 5:1 here) or `train/<class>/…` + `test/<class>/…`, under at most one
 * wrapper folder. Skips __MACOSX/ and dot files, ignores files that are not PNG.
 * @returns {{classNames: string[], items: {entry, label: number, split: 'train'|'test', slot: number}[],
 *   counts: {train: number, test: number}}} items: training images then test images, each by class then path
 */
function planLayout(zipName, entries) {
  let kept = entries.map((e) => ({ e, parts: e.path.split('/').filter(Boolean), dir: e.path.endsWith('/') }))
    .filter(({ parts }) => parts.length && parts[0] !== '__MACOSX' && !parts.some((p) => p.startsWith('.')));
  const isPng = (k) => !k.dir && /\.png$/i.test(k.parts.at(-1));
  const pngCount = kept.filter(isPng).length;
  if (!pngCount) throw fail('noImages', { file: zipName }, `${zipName} holds no PNG image`);
  if (pngCount > MAX_IMAGES) {
    throw fail('tooMany', { file: zipName, count: pngCount, max: MAX_IMAGES },
      `${zipName} holds ${pngCount} PNG images; the lab reads at most ${MAX_IMAGES}`);
  }
  // One folder holding everything, with folders inside it, is a wrapper (mydata/…), not a class.
  const folders = (k) => (k.dir ? k.parts.length : k.parts.length - 1);
  const tops = new Set(kept.filter((k) => folders(k) > 0).map((k) => k.parts[0]));
  if (tops.size === 1 && !kept.some((k) => isPng(k) && folders(k) === 0) && kept.some((k) => folders(k) >= 2)) {
    kept.forEach((k) => (k.parts = k.parts.slice(1)));
    kept = kept.filter((k) => k.parts.length); // without the wrapper's own folder entry
  }
  const topNames = new Set(kept.filter((k) => folders(k) > 0).map((k) => k.parts[0].toLowerCase()));
  const split = topNames.has('train') && topNames.has('test');
  const classesOf = { all: new Map(), train: new Map(), test: new Map() };
  for (const k of kept) {
    const png = isPng(k);
    const base = split ? 1 : 0; // the class folder's index in parts
    const where = split ? k.parts[0].toLowerCase() : 'all';
    if (split && where !== 'train' && where !== 'test') {
      if (png) {
        throw fail('outsideSplit', { file: zipName, entry: k.e.path },
          `${zipName}: ${k.e.path} is outside train/ and test/ (with those folders, every image goes in one of them)`);
      }
      continue;
    }
    if (png && k.parts.length === base + 1) {
      throw fail('rootImage', { file: zipName, entry: k.e.path },
        `${zipName}: ${k.e.path} is not in a class folder (each image goes in a folder named by its class)`);
    }
    if (folders(k) <= base) continue;
    const images = classesOf[where].get(k.parts[base]) ?? [];
    classesOf[where].set(k.parts[base], images);
    if (png) images.push(k.e);
  }
  const maps = split ? [classesOf.train, classesOf.test] : [classesOf.all];
  for (const [i, map] of maps.entries()) {
    const empty = [...map.keys()].sort(naturalCompare).find((c) => !map.get(c).length);
    if (empty !== undefined) {
      const folder = `${split ? ['train/', 'test/'][i] : ''}${empty}/`;
      throw fail('emptyClass', { file: zipName, class: folder },
        `${zipName}: the class folder ${folder} holds no PNG image`);
    }
  }
  const classNames = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort(naturalCompare);
  for (const [i, map] of split ? maps.entries() : []) {
    const lacking = classNames.find((c) => !map.has(c));
    if (lacking !== undefined) {
      const [has, lacks] = i === 0 ? ['test', 'train'] : ['train', 'test'];
      throw fail('missingInSplit', { file: zipName, class: lacking, split: lacks },
        `${zipName}: class ${lacking} is in ${has}/ but has no folder in ${lacks}/`);
    }
  }
  checkClassCount(zipName, classNames.length);
  const items = [];
  const counts = { train: 0, test: 0 };
  const add = (entry, label, to) => items.push({ entry, label, split: to, slot: counts[to]++ });
  for (const to of split ? ['train', 'test'] : ['train']) {
    classNames.forEach((c, label) => {
      const images = classesOf[split ? to : 'all'].get(c).sort((a, b) => naturalCompare(a.path, b.path));
      images.forEach((e, i) => add(e, label, split || (i + 1) % TEST_EVERY !== 0 ? to : 'test'));
    });
  }
  if (!counts.test) {
    throw fail('noTest', { file: zipName, every: TEST_EVERY },
      `${zipName}: too few images to keep 1 in ${TEST_EVERY} for testing (give a class ${TEST_EVERY} or more images)`);
  }
  return { classNames, items: items.sort((a, b) => (a.split === b.split ? 0 : a.split === 'train' ? -1 : 1)), counts };
}

/** Orders names as a person would: digit runs by their value ("2" < "10"), the rest by code point. */
export function naturalCompare(a, b) {
  const x = a.match(/\d+|\D+/g) ?? [];
  const y = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    if (/^\d/.test(x[i]) && /^\d/.test(y[i])) {
      const [p, q] = [x[i].replace(/^0+/, ''), y[i].replace(/^0+/, '')];
      if (p.length !== q.length) return p.length - q.length;
      if (p !== q) return p < q ? -1 : 1;
      continue; // "01" and "1": equal values, decided by the plain order below
    }
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The PNG bytes of every item, read in archive order (few File reads), checked (CRC32, sizes). */
async function unzipAll(zip, items, progress) {
  const order = items.map((_, i) => i).sort((a, b) => items[a].entry.offset - items[b].entry.offset);
  const pngs = new Array(items.length);
  for (const [n, i] of order.entries()) {
    progress('unzip', n, items.length);
    pngs[i] = await extractEntry(zip, items[i].entry);
  }
  progress('unzip', items.length, items.length);
  return pngs;
}

/** The images' common [width, height], from their PNG headers (before any decoding). */
function checkSizes(zipName, items, pngs) {
  let first = null;
  for (const [i, bytes] of pngs.entries()) {
    const entry = items[i].entry.path;
    const size = pngSize(bytes);
    if (!size) throw pngError(zipName, entry, 'no PNG header');
    if (Math.max(...size) > MAX_SIDE || Math.min(...size) < 1) {
      throw fail('imageSize', { file: zipName, entry, size: size.join('×'), max: MAX_SIDE },
        `${zipName}: ${entry} is ${size.join('×')}; the lab reads images of up to ${MAX_SIDE}×${MAX_SIDE}`);
    }
    first ??= { entry, size };
    if (size[0] !== first.size[0] || size[1] !== first.size[1]) {
      const [a, b] = [first.size.join('×'), size.join('×')];
      throw fail('sizes', { file: zipName, entry: first.entry, size: a, other: entry, otherSize: b },
        `${zipName}: the images differ in size: ${first.entry} is ${a}, ${entry} is ${b}`);
    }
  }
  return first.size;
}

const pngError = (zipName, entry, why) => fail('png', { file: zipName, entry },
  `${zipName}: ${entry} is not a PNG image that can be read (${why})`);

/**
 * Decodes every PNG to 28×28 gray, each in its split's arrays; then inverts all of them if the images' borders are
 * bright on average (dark ink on light paper). Resized images are resized in both polarities as they come, since the
 * polarity is known only at the end and the resize (which centres the ink) is not the same on inverted input.
 */
async function decodeAll(zipName, items, pngs, [w, h], counts, { decodePng = decodeAnyPng, resize }, progress) {
  const out = {};
  for (const s of ['train', 'test']) {
    const n = counts[s];
    const pixels = () => new Uint8Array(n * PIXELS);
    out[s] = { pixels: pixels(), labels: new Uint8Array(n), inverse: resize ? pixels() : null };
  }
  let border = 0;
  const one = async (i) => {
    const { entry, label, split, slot } = items[i];
    const img = await Promise.resolve().then(() => decodePng(pngs[i]))
      .catch((e) => Promise.reject(pngError(zipName, entry.path, e.message)));
    if (!img || img.width !== w || img.height !== h || img.rgba?.length !== w * h * 4) {
      throw pngError(zipName, entry.path, 'it decodes to another size than its header says');
    }
    pngs[i] = null;
    const gray = toGray(img.rgba, zipName, entry.path);
    border += borderSum(gray, w, h);
    const dst = out[split];
    dst.labels[slot] = label;
    if (!resize) dst.pixels.set(gray, slot * PIXELS);
    else {
      const inverse = gray.map((v) => 255 - v);
      dst.pixels.set(resized(resize(gray, w, h)), slot * PIXELS);
      dst.inverse.set(resized(resize(inverse, w, h)), slot * PIXELS);
    }
  };
  progress('decode', 0, items.length);
  await runPool(items.length, DECODE_CONCURRENCY, one, (done) => progress('decode', done, items.length));
  const perImage = w === 1 || h === 1 ? w * h : 2 * (w + h) - 4;
  const inverted = border / (items.length * perImage) > 127;
  const pick = ({ pixels, labels, inverse }) => ({
    pixels: !inverted ? pixels : inverse ?? pixels.map((v) => 255 - v),
    labels,
  });
  return { train: pick(out.train), test: pick(out.test), inverted };
}

function resized(pixels) {
  if (pixels?.length !== PIXELS) throw new TypeError(`opts.resize must return ${PIXELS} pixels, not ${pixels?.length}`);
  return pixels;
}

/** Gray levels composited over black; throws on a colour pixel. */
function toGray(rgba, zipName, entry) {
  const gray = new Uint8Array(rgba.length / 4);
  for (let q = 0, p = 0; q < gray.length; q++, p += 4) {
    const k = rgba[p + 3] / 255;
    const [r, g, b] = [rgba[p] * k, rgba[p + 1] * k, rgba[p + 2] * k];
    if (Math.max(r, g, b) - Math.min(r, g, b) > GREY_TOLERANCE) {
      throw fail('colour', { file: zipName, entry },
        `${zipName}: ${entry} is a colour image; the lab reads grayscale images`);
    }
    gray[q] = Math.round((r + g + b) / 3);
  }
  return gray;
}

/** The sum of the first and last rows and columns (each pixel once). */
function borderSum(gray, w, h) {
  let sum = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    if (y === 0 || y === h - 1) for (let x = 0; x < w; x++) sum += gray[row + x];
    else sum += gray[row] + (w > 1 ? gray[row + w - 1] : 0);
  }
  return sum;
}

/** Runs fn(0 … n-1), `limit` at a time; on failures, starts no more and throws the one of the lowest index. */
async function runPool(n, limit, fn, onDone) {
  let next = 0;
  let done = 0;
  let failure = null;
  const lane = async () => {
    while (next < n && !failure) {
      const i = next++;
      try {
        await fn(i);
        onDone(++done);
      } catch (e) {
        if (!failure || i < failure.i) failure = { i, e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
  if (failure) throw failure.e;
}

/** onProgress, throttled to one call per PROGRESS_MS except at each phase's start and end. */
function reporter(onProgress, file) {
  if (typeof onProgress !== 'function') return () => {};
  let last = 0;
  return (phase, done, total) => {
    const now = Date.now();
    if (done !== 0 && done !== total && now - last < PROGRESS_MS) return;
    last = now;
    onProgress({ phase, done, total, file });
  };
}
