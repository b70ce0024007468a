// Datasets the own-data tests make from MNIST: IDX files of 2 to 26 classes with a known rule, and PNG zips of them.
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';
import { makePng, makeZip } from './zip-writer.mjs';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** MNIST's `train` or `t10k` split, the first `n` examples: {images: Uint8Array(n·784), labels: Uint8Array(n)}. */
export function mnist(split, n) {
  const read = (kind, idx) => gunzipSync(readFileSync(join(ROOT, 'www/data/mnist', `${split}-${kind}-${idx}-ubyte.gz`)));
  const images = read('images', 'idx3');
  const labels = read('labels', 'idx1');
  return { images: images.subarray(16, 16 + n * PIXELS), labels: labels.subarray(8, 8 + n) };
}

/** Image `i` of `images` mirrored left–right (`mirror`) or transposed (`transpose`). */
function variant(images, i, kind) {
  const src = images.subarray(i * PIXELS, (i + 1) * PIXELS);
  if (kind === 'plain') return src;
  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) out[y * SIDE + x] = kind === 'mirror' ? src[y * SIDE + SIDE - 1 - x] : src[x * SIDE + y];
  }
  return out;
}

/**
 * A 26-class split from MNIST (EMNIST-like): example i is digit d as is (class d), mirrored (10 + d) or, for 0–5,
 * transposed (20 + d), in turn by i mod 3 (a transposed 6–9 stays plain).
 */
export function letters26({ images, labels }) {
  const n = labels.length;
  const out = { images: new Uint8Array(n * PIXELS), labels: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const d = labels[i];
    let kind = ['plain', 'mirror', 'transpose'][i % 3];
    if (kind === 'transpose' && d > 5) kind = 'plain';
    out.images.set(variant(images, i, kind), i * PIXELS);
    out.labels[i] = d + (kind === 'mirror' ? 10 : kind === 'transpose' ? 20 : 0);
  }
  return out;
}
export const NAMES_26 = [...Array(10).keys()].map((d) => `d${d}`)
  .concat([...Array(10).keys()].map((d) => `m${d}`), [...Array(6).keys()].map((d) => `t${d}`));

/** The examples of `split` whose digit is in `digits`, relabelled by their index there. */
export function pick({ images, labels }, digits, max = Infinity) {
  const keep = [];
  for (let i = 0; i < labels.length && keep.length < max; i++) if (digits.includes(labels[i])) keep.push(i);
  const out = { images: new Uint8Array(keep.length * PIXELS), labels: new Uint8Array(keep.length) };
  keep.forEach((i, j) => {
    out.images.set(images.subarray(i * PIXELS, (i + 1) * PIXELS), j * PIXELS);
    out.labels[j] = digits.indexOf(labels[i]);
  });
  return out;
}

const u32 = (v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const idxImages = ({ images, labels }) => Buffer.from([0, 0, 8, 3, ...u32(labels.length), ...u32(SIDE), ...u32(SIDE), ...images]);
const idxLabels = ({ labels }) => Buffer.from([0, 0, 8, 1, ...u32(labels.length), ...labels]);

/**
 * Writes a folder of the four IDX files (gzip) and, with `names`, classes.txt, for the CLI's --data; and the same
 * files named `<name>-train-images-idx3-ubyte.gz` etc. (as EMNIST names them) beside it, for the page.
 * Returns {dir, files: the page's files}.
 */
export function writeIdxFolder(name, train, test, names = null) {
  const root = mkdtempSync(join(tmpdir(), 'distill-own-'));
  const dir = join(root, name);
  mkdirSync(dir);
  const files = [
    ['train-images-idx3-ubyte.gz', idxImages(train)], ['train-labels-idx1-ubyte.gz', idxLabels(train)],
    ['t10k-images-idx3-ubyte.gz', idxImages(test)], ['t10k-labels-idx1-ubyte.gz', idxLabels(test)],
  ].map(([file, bytes]) => {
    const gz = gzipSync(bytes);
    writeFileSync(join(dir, file), gz);
    writeFileSync(join(root, `${name}-${file}`), gz);
    return join(root, `${name}-${file}`);
  });
  if (names) {
    writeFileSync(join(dir, 'classes.txt'), `${names.join('\n')}\n`);
    files.push(join(dir, 'classes.txt'));
  }
  return { dir, files };
}

/** A 28×28 image padded to `side`×`side` (black border), as grey bytes. */
function padded(image, side) {
  const out = new Uint8Array(side * side);
  const o = (side - SIDE) >> 1;
  for (let y = 0; y < SIDE; y++) out.set(image.subarray(y * SIDE, (y + 1) * SIDE), (y + o) * side + o);
  return out;
}

/**
 * A zip of PNG folders `<name>/<i>.png` of `split` (+ its test split under train/ and test/ when given), images
 * padded to `side` pixels (other than 28: the page resizes them), dark on light with `invert`, RGB with `colour`.
 */
export function pngZip(path, split, names, { side = SIDE, invert = false, colour = false } = {}) {
  const entries = [];
  for (let i = 0; i < split.labels.length; i++) {
    let gray = padded(split.images.subarray(i * PIXELS, (i + 1) * PIXELS), side);
    if (invert) gray = gray.map((g) => 255 - g);
    let png;
    if (colour) {
      const rgb = new Uint8Array(gray.length * 3);
      gray.forEach((g, j) => rgb.set([g, g >> 1, 255 - g], j * 3));
      png = makePng(side, side, rgb, { colour: 'rgb' });
    } else png = makePng(side, side, gray);
    entries.push({ path: `${names[split.labels[i]]}/${String(i).padStart(5, '0')}.png`, bytes: png });
  }
  writeFileSync(path, makeZip(entries));
  return path;
}
