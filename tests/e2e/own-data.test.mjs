// "Bring your own data" (issue 19), the reader: www/own-data.js (and www/zip.js) in a module worker of real Chromium,
// on zips and PNGs this file writes (zip-writer.mjs). A zip of PNG class folders comes back pixel for pixel, split,
// labelled, resized and inverted as documented; each bad archive is refused with its catalog key and a message that
// names the file; IDX sets are recognised by their files' names. No wasm is needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../tools/serve.mjs';
import { ROOT, openBrowser } from './helpers.mjs';
import { crc32, makePng, makeZip, pngChunk } from './zip-writer.mjs';

const SIDE = 28;
const catalog = (lang) => JSON.parse(readFileSync(join(ROOT, 'www', 'i18n', `${lang}.json`), 'utf8'));
const CATALOGS = { en: catalog('en'), 'zh-CN': catalog('zh-CN') };

let lab;
let server;
before(async () => {
  const mounts = [['/__e2e__/', join(ROOT, 'tests', 'e2e', 'fixtures')], ['/', join(ROOT, 'www')]];
  const started = await startServer({ port: 0, mounts });
  server = started.server;
  const { url } = started;
  lab = await openBrowser({ origin: new URL(url).origin });
  await lab.page.goto(`${url}__e2e__/own-data.html`);
  await lab.page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
});
after(async () => {
  await lab?.close();
  await new Promise((ok) => server.close(ok));
  server.closeAllConnections?.();
});

/** Every refusal seen, to check the catalogs against at the end. */
const refusals = [];

/** Reads `files` ([name, bytes] pairs) in the fixture's worker; returns its answer. */
async function read(files, opts = {}) {
  const sent = files.map(([name, bytes]) => ({ name, b64: Buffer.from(bytes).toString('base64') }));
  const answer = await lab.page.evaluate(([f, o]) => window.ownData.read(f, o), [sent, opts]);
  assert.equal(answer.crashed, undefined, `the worker crashed: ${answer.crashed}`);
  return answer;
}

/** Reads and expects a result. */
async function accept(files, opts) {
  const a = await read(files, opts);
  assert.ok(a.ok, `refused: ${JSON.stringify(a.error)}`);
  return a;
}

/** Reads and expects an OwnDataError with `key` whose message names `file` and each of `names`. */
async function refuse(files, key, file, names = [], opts = {}) {
  const a = await read(files, opts);
  assert.ok(!a.ok, `accepted, but ${key} was expected`);
  const { error } = a;
  assert.equal(error.own, true, `not an OwnDataError: ${error.name}: ${error.message}`);
  assert.equal(error.key, `ownData.err.${key}`, error.message);
  assert.equal(error.params.file, file);
  for (const n of [file, ...names]) assert.ok(error.message.includes(n), `the message names ${n}: ${error.message}`);
  refusals.push(error);
  return a;
}

/** A deterministic 28×28 (or w×h) image, dark border (so no inversion), its interior from `seed`. */
function image(seed, w = SIDE, h = SIDE) {
  return Uint8Array.from({ length: w * h }, (_, i) => {
    const [x, y] = [i % w, Math.floor(i / w)];
    if (x === 0 || y === 0 || x === w - 1 || y === h - 1) return (seed * 7 + i) % 40;
    return (Math.imul(i + 1, 2654435761 + seed * 97) >>> 24) & 0xff;
  });
}

const png = (gray, w = SIDE, h = SIDE, colour = 'gray') => makePng(w, h, gray, { colour });
const zip = (name, entries, opts) => [name, makeZip(entries, opts)];
/** A valid <class>/<n>.png layout: classes → images each. */
const classZip = (classes, perClass, prefix = '') => classes.flatMap((c, ci) => Array.from({ length: perClass },
  (_, i) => ({ path: `${prefix}${c}/${i + 1}.png`, bytes: png(image(ci * 100 + i)) })));
/** `entries` with entry i changed: {bytes} or other fields. */
const swap = (entries, i, change) => entries.map((e, j) => (j === i ? { ...e, ...change } : e));
const twoClasses = () => classZip(['a', 'b'], 6);
const slice = (pixels, k) => pixels.slice(k * SIDE * SIDE, (k + 1) * SIDE * SIDE);

test('a <class>/ zip comes back pixel for pixel: numeric class order, a deterministic 5:1 split, labels', async () => {
  // Classes '10', '2', '1' (numeric order 1, 2, 10); images 1..12 (numeric order; every 6th to test); the PNGs in
  // three colour types, some stored, the entries shuffled in the archive; junk beside them that must be ignored.
  const classes = ['10', '2', '1'];
  const entries = [];
  const expected = new Map();
  classes.forEach((c, ci) => {
    for (let i = 1; i <= 12; i++) {
      const gray = image(ci * 100 + i);
      const colour = ['gray', 'rgb', 'rgba'][i % 3];
      expected.set(`${c}/img${i}.png`, gray);
      entries.push({ path: `${c}/img${i}.png`, bytes: png(gray, SIDE, SIDE, colour), store: i % 4 === 0 });
    }
  });
  entries.reverse();
  entries.push({ path: '2/' }, { path: 'README.txt', bytes: Buffer.from('my digits') },
    { path: '__MACOSX/1/._img1.png', bytes: Buffer.from('junk') }, { path: '1/.DS_Store', bytes: Buffer.from('junk') },
    { path: '10/notes.txt', bytes: Buffer.from('ignored') });
  const file = zip('digits.zip', entries);
  const a = await accept([file], { resize: 'fake' });
  const r = a.result;
  assert.equal(r.kind, 'pixels');
  assert.equal(r.name, 'digits');
  assert.equal(r.source, 'digits.zip');
  assert.deepEqual(r.classNames, ['1', '2', '10']);
  assert.deepEqual([r.resized, r.inverted, r.size], [false, false, [28, 28]]);
  assert.deepEqual(a.calls, [], '28×28 images are kept as they are: no resize call');
  assert.equal(r.train.labels.length, 30);
  assert.equal(r.test.labels.length, 6);
  assert.equal(r.train.pixels.length, 30 * 784);
  assert.equal(r.test.pixels.length, 6 * 784);
  assert.deepEqual(r.train.labels, [...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)]);
  assert.deepEqual(r.test.labels, [0, 0, 1, 1, 2, 2]);
  // Training: each class's images 1-5, 7-11 in that order; test: 6 and 12.
  const order = ['1', '2', '10'];
  const trainPaths = order.flatMap((c) => [1, 2, 3, 4, 5, 7, 8, 9, 10, 11].map((i) => `${c}/img${i}.png`));
  const testPaths = order.flatMap((c) => [6, 12].map((i) => `${c}/img${i}.png`));
  trainPaths.forEach((p, k) => assert.deepEqual(slice(r.train.pixels, k), [...expected.get(p)], `train ${k}: ${p}`));
  testPaths.forEach((p, k) => assert.deepEqual(slice(r.test.pixels, k), [...expected.get(p)], `test ${k}: ${p}`));
  // Progress: both phases, each from 0 to its end.
  for (const phase of ['unzip', 'decode']) {
    const seen = a.progress.filter((p) => p.phase === phase);
    assert.deepEqual(seen[0], { phase, done: 0, total: 36, file: 'digits.zip' }, `${phase} starts at 0`);
    assert.deepEqual(seen.at(-1), { phase, done: 36, total: 36, file: 'digits.zip' }, `${phase} ends at 36`);
  }
  // Deterministic: the same archive, read again (and written with zip64 records), gives the same result.
  assert.deepEqual((await accept([file], { resize: 'fake' })).result, r);
  const again = await accept([zip('digits.zip', entries, { zip64: true })], { resize: 'fake' });
  assert.deepEqual(again.result, r, 'the zip64 form of the archive reads the same');
});

test('a train/ + test/ zip keeps its own split', async () => {
  const entries = [];
  const counts = { train: { cat: 4, dog: 3 }, test: { cat: 2, dog: 1 } };
  for (const [split, classes] of Object.entries(counts)) {
    for (const [c, n] of Object.entries(classes)) {
      for (let i = 0; i < n; i++) {
        entries.push({ path: `${split}/${c}/${c}${i}.png`, bytes: png(image(split.length * 10 + i + c.length)) });
      }
    }
  }
  const r = (await accept([zip('pets.zip', entries)])).result;
  assert.deepEqual(r.classNames, ['cat', 'dog']);
  assert.deepEqual(r.train.labels, [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(r.test.labels, [0, 0, 1]);
  assert.deepEqual(slice(r.train.pixels, 5), [...image(5 * 10 + 1 + 3)], 'train/dog/dog1.png');
  assert.deepEqual(slice(r.test.pixels, 2), [...image(4 * 10 + 0 + 3)], 'test/dog/dog0.png');
});

test('one wrapper folder is skipped, for both layouts', async () => {
  const plain = (await accept([zip('mydata.zip', classZip(['a', 'b'], 6, 'mydata/'))])).result;
  assert.deepEqual(plain.classNames, ['a', 'b']);
  assert.deepEqual([plain.train.labels.length, plain.test.labels.length], [10, 2]);
  const entries = [{ path: 'mydata/' }, ...classZip(['x', 'y'], 2, 'mydata/train/'),
    ...classZip(['x', 'y'], 1, 'mydata/test/')];
  const split = (await accept([zip('mydata.zip', entries)])).result;
  assert.deepEqual(split.classNames, ['x', 'y']);
  assert.deepEqual([split.train.labels, split.test.labels], [[0, 0, 1, 1], [0, 1]]);
});

const big = (seed) => image(seed, 56, 56);
const nearest = (gray, w, h) => Array.from({ length: SIDE * SIDE }, (_, i) =>
  gray[Math.floor((Math.floor(i / SIDE) * h) / SIDE) * w + Math.floor(((i % SIDE) * w) / SIDE)]);

test('56×56 images go through the resize given, with their size', async () => {
  const entries = ['a', 'b'].flatMap((c, ci) => Array.from({ length: 6 }, (_, i) =>
    ({ path: `${c}/${i}.png`, bytes: png(big(ci * 10 + i), 56, 56) })));
  const a = await accept([zip('big.zip', entries)], { resize: 'fake' });
  const r = a.result;
  assert.deepEqual([r.resized, r.inverted, r.size], [true, false, [56, 56]]);
  // Each image is resized in both polarities (the polarity is known only once all are decoded).
  assert.equal(a.calls.length, 2 * 12);
  for (const c of a.calls) assert.deepEqual(c, { w: 56, h: 56, length: 56 * 56 });
  assert.deepEqual(slice(r.train.pixels, 0), nearest(big(0), 56, 56));
  assert.deepEqual(slice(r.test.pixels, 1), nearest(big(15), 56, 56), 'b/5.png');
  const none = await read([zip('big.zip', entries)]);
  assert.match(none.error.message, /56×56 images need opts.resize/, 'without a resize, a programming error');
});

test('a simple real resize (box mean) brings 2×-scaled images back exactly', async () => {
  const up = (gray) => Uint8Array.from({ length: 56 * 56 },
    (_, i) => gray[Math.floor(i / 112) * SIDE + Math.floor((i % 56) / 2)]);
  const entries = ['a', 'b'].flatMap((c, ci) => Array.from({ length: 6 }, (_, i) =>
    ({ path: `${c}/${i}.png`, bytes: png(up(image(ci * 10 + i)), 56, 56) })));
  const r = (await accept([zip('up.zip', entries)], { resize: 'area' })).result;
  assert.equal(r.resized, true);
  assert.deepEqual(slice(r.train.pixels, 5), [...image(10)], 'b/0.png (after a/0-a/4)');
});

test('dark ink on light paper is inverted, before any resize; alpha is composited over black', async () => {
  const light = (seed, w = SIDE, h = SIDE) => image(seed, w, h).map((v) => 255 - v);
  const small = ['a', 'b'].flatMap((c, ci) => Array.from({ length: 6 }, (_, i) =>
    ({ path: `${c}/${i}.png`, bytes: png(light(ci * 10 + i)) })));
  const r = (await accept([zip('paper.zip', small)])).result;
  assert.equal(r.inverted, true);
  assert.deepEqual(slice(r.train.pixels, 0), [...image(0)]);
  assert.deepEqual(slice(r.test.pixels, 1), [...image(15)]);
  const large = ['a', 'b'].flatMap((c, ci) => Array.from({ length: 6 }, (_, i) =>
    ({ path: `${c}/${i}.png`, bytes: png(light(ci * 10 + i, 56, 56), 56, 56) })));
  const rl = (await accept([zip('paper56.zip', large)], { resize: 'fake' })).result;
  assert.deepEqual([rl.inverted, rl.resized], [true, true]);
  assert.deepEqual(slice(rl.train.pixels, 0), nearest(big(0), 56, 56), 'the inverse was resized');

  // RGBA: white ink (alpha 255), transparent white paper (alpha 0 → black), one pixel half transparent.
  const rgba = (seed) => Array.from({ length: SIDE * SIDE }, (_, i) => {
    const v = image(seed)[i];
    if (i === 30) return [200, 200, 200, 128];
    return v > 128 ? [v, v, v, 255] : [255, 255, 255, 0];
  }).flat();
  const alpha = ['a', 'b'].flatMap((c, ci) => Array.from({ length: 6 }, (_, i) =>
    ({ path: `${c}/${i}.png`, bytes: makePng(SIDE, SIDE, rgba(ci * 10 + i), { colour: 'rgba' }) })));
  const ra = (await accept([zip('alpha.zip', alpha)])).result;
  assert.equal(ra.inverted, false, 'transparent paper is black: no inversion');
  const got = slice(ra.train.pixels, 0);
  const want = [...image(0)].map((v) => (v > 128 ? v : 0));
  assert.ok(Math.abs(got[30] - 100) <= 1, `200 at alpha 128 over black ≈ 100, got ${got[30]}`);
  got[30] = want[30] = 0;
  assert.deepEqual(got, want);
});

test('png.js decodes plain PNGs as the browser does: each filter, 8 and 16 bits, gray, alpha, RGB', async () => {
  const cases = [];
  const values = (n, k, bits = 8) => Array.from({ length: n * k },
    (_, i) => Math.imul(i + 7, 0x9e3779b1) >>> (32 - bits));
  for (const [colour, k] of [['gray', 1], ['grayAlpha', 2], ['rgb', 3], ['rgba', 4]]) {
    for (const filter of [0, 1, 2, 3, 4, 'mixed']) {
      cases.push({ colour, filter, depth: 8, w: 13, h: 7, px: values(13 * 7, k) });
    }
    cases.push({ colour, filter: 'mixed', depth: 16, w: 9, h: 6, px: values(9 * 6, k, 16) });
  }
  cases.push({ colour: 'gray', filter: 4, depth: 8, w: 1, h: 1, px: [77] },
    { colour: 'gray', filter: 'mixed', depth: 8, w: 28, h: 28, px: [...image(4)] });
  const pngs = cases.map((c) => makePng(c.w, c.h, c.px, c).toString('base64'));
  const { decoded } = await lab.page.evaluate((p) => window.ownData.decode(p), pngs);
  decoded.forEach(({ plain, browser }, i) => {
    const c = cases[i];
    const what = `${c.colour} ${c.depth}-bit, filter ${c.filter}, ${c.w}×${c.h}`;
    assert.ok(plain && !plain.error, `${what}: decoded by png.js itself (${JSON.stringify(plain)})`);
    assert.ok(!browser.error, `${what}: the browser decodes it: ${browser.error}`);
    assert.deepEqual([plain.width, plain.height], [c.w, c.h], what);
    assert.deepEqual([browser.width, browser.height], [c.w, c.h], what);
    // Compared composited over black (what own-data.js keeps): the browser's canvas premultiplies alpha, so its
    // unpremultiplied values are off where alpha is small; 16-bit samples may round rather than truncate.
    const over = (rgba) => rgba.map((v, j) => (j % 4 === 3 ? v : (v * rgba[j - (j % 4) + 3]) / 255));
    const [p, b] = [over(plain.rgba), over(browser.rgba)];
    const worst = p.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0);
    assert.ok(worst <= 1, `${what}: png.js and the browser differ by ${worst}`);
    if (c.depth === 8 && (c.colour === 'gray' || c.colour === 'rgb')) assert.deepEqual(plain.rgba, browser.rgba, what);
  });
  // The plain decoder's expected pixels, from the values written: gray 8-bit exact.
  assert.deepEqual(decoded.at(-1).plain.rgba.filter((_, j) => j % 4 === 0), [...image(4)]);
  // A tRNS colour key is left to the browser (whose result own-data.js uses): that gray becomes transparent, so black.
  const keyed = makePng(SIDE, SIDE, image(2).map((v) => (v < 40 ? 250 : v)));
  const idat = 8 + 25; // after the signature and IHDR: tRNS goes before the image data
  const trns = pngChunk('tRNS', Buffer.from([0, 250])); // gray 250 (16-bit field) is transparent
  const withKey = Buffer.concat([keyed.subarray(0, idat), trns, keyed.subarray(idat)]);
  const [k] = (await lab.page.evaluate((p) => window.ownData.decode(p), [withKey.toString('base64')])).decoded;
  assert.equal(k.plain, null, 'a tRNS chunk: not a plain PNG');
  assert.equal(k.browser.rgba[3], 0, 'the key colour is transparent');
  const r = (await accept([zip('keyed.zip', swap(twoClasses(), 0, { bytes: withKey }))])).result;
  const unkeyed = [...image(2)].map((v) => (v < 40 || v === 250 ? 0 : v));
  assert.deepEqual(slice(r.train.pixels, 0), unkeyed, 'the key colour composited to black');
});

test('a large archive: 130,000 entries (zip64) under a wrapper folder', { timeout: 120_000 }, async () => {
  // Beside the images, many files that are ignored: what matters is that no step is sized by the entry count in a
  // way that breaks (an argument list spread from all entries overflows the stack).
  const notes = Array.from({ length: 130_000 }, (_, i) => ({ path: `mydata/a/notes/${i}.txt`, store: true }));
  const file = zip('mydata.zip', [...notes, ...classZip(['a', 'b'], 6, 'mydata/')], { zip64: true });
  const r = (await accept([file])).result;
  assert.deepEqual(r.classNames, ['a', 'b']);
  assert.deepEqual([r.train.labels.length, r.test.labels.length], [10, 2]);
});

// ---- Refusals ----

test('refused: not a zip, and a lone file that is not one', async () => {
  await refuse([['photos.zip', Buffer.from('this is not a zip archive, only text')]], 'notZip', 'photos.zip');
  await refuse([['notes.txt', Buffer.from('hello')]], 'notZip', 'notes.txt');
  await refuse([['empty.zip', Buffer.alloc(0)]], 'notZip', 'empty.zip');
});

test('refused: a truncated archive, a directory out of range, a CRC mismatch, a damaged entry', async () => {
  const whole = makeZip(twoClasses());
  await refuse([['cut.zip', whole.subarray(0, Math.floor(whole.length * 0.6))]], 'truncated', 'cut.zip');
  const moved = Buffer.from(whole);
  moved.writeUInt32LE(whole.length, whole.length - 22 + 16); // the central directory's offset, past the end
  await refuse([['moved.zip', moved]], 'corrupt', 'moved.zip');
  const part = Buffer.from(whole);
  part.writeUInt16LE(1, whole.length - 22 + 4); // "this is disk 1" of a split archive
  await refuse([['part.zip', part]], 'multiDisk', 'part.zip');
  // A stored PNG with one byte changed: the zip is intact, the CRC32 is not.
  const entries = twoClasses().map((e, i) => ({ ...e, store: i === 3 }));
  const flipped = makeZip(entries);
  const at = flipped.indexOf(entries[3].bytes) + 40;
  flipped[at] ^= 0xff;
  await refuse([['flipped.zip', flipped]], 'crc', 'flipped.zip', ['a/4.png']);
  // A deflated entry whose data is garbage.
  const garbage = makeZip(twoClasses());
  const body = garbage.indexOf(Buffer.from('b/2.png')) + 'b/2.png'.length;
  garbage.fill(0xff, body, body + 12);
  await refuse([['garbage.zip', garbage]], 'corruptEntry', 'garbage.zip', ['b/2.png']);
});

test('refused: unsupported compression, encryption', async () => {
  const method = swap(twoClasses(), 2, { declare: { method: 12 } });
  const a = await refuse([zip('bzip.zip', method)], 'method', 'bzip.zip', ['a/3.png', '12']);
  assert.equal(a.error.params.method, 12);
  const locked = swap(twoClasses(), 7, { declare: { flags: 1 } });
  await refuse([zip('locked.zip', locked)], 'encrypted', 'locked.zip', ['b/2.png']);
});

test('refused: over MAX_ZIP_BYTES, by its size alone (nothing read)', async () => {
  const a = await refuse([], 'tooBig', 'huge.zip', [], { huge: true });
  assert.equal(a.sliced, 0, 'the file was never read');
});

test('refused: zip bombs, by declared sizes before inflating and by actual sizes while inflating', async () => {
  const declared = twoClasses().map((e, i) => (i < 2 ? { ...e, declare: { size: 600 * 2 ** 20 } } : e));
  const a = await refuse([zip('bomb.zip', declared)], 'bomb', 'bomb.zip');
  assert.equal(a.progress.length, 0, 'refused before unpacking anything');
  // An entry that declares 100 bytes and inflates to a whole PNG.
  const liar = swap(twoClasses(), 4, { declare: { size: 100 } });
  await refuse([zip('liar.zip', liar)], 'inflatedSize', 'liar.zip', ['a/5.png']);
});

test('refused: too many images', { timeout: 120_000 }, async () => {
  const entries = Array.from({ length: 200_001 }, (_, i) => ({ path: `${i % 2}/${i}.png`, store: true }));
  // Past 65,535 entries a zip needs zip64 records, as every tool writes them.
  await refuse([zip('many.zip', entries, { zip64: true })], 'tooMany', 'many.zip', ['200001']);
});

test('refused: a PNG that does not decode, or that is no PNG', async () => {
  const good = png(image(1));
  const broken = Buffer.from(good);
  broken.fill(0x55, 41, broken.length - 12); // inside IDAT: the header still says 28×28
  const entries = swap(twoClasses(), 8, { bytes: broken });
  await refuse([zip('broken.zip', entries)], 'png', 'broken.zip', ['b/3.png']);
  const jpeg = swap(twoClasses(), 0, { bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) });
  await refuse([zip('jpeg.zip', jpeg)], 'png', 'jpeg.zip', ['a/1.png']);
});

test('refused: a colour image, naming it', async () => {
  const rgb = Array.from({ length: SIDE * SIDE }, (_, i) => (i === 400 ? [120, 130, 140] : [9, 9, 9])).flat();
  const nearlyGrey = Array.from({ length: SIDE * SIDE }, () => [100, 104, 108]).flat();
  const entries = swap(twoClasses(), 9, { bytes: makePng(SIDE, SIDE, rgb, { colour: 'rgb' }) });
  await refuse([zip('colour.zip', entries)], 'colour', 'colour.zip', ['b/4.png']);
  const ok = swap(twoClasses(), 9, { bytes: makePng(SIDE, SIDE, nearlyGrey, { colour: 'rgb' }) });
  const r = (await accept([zip('grey.zip', ok)])).result;
  assert.equal(r.train.pixels[8 * 784 + 5], 104, 'a spread of 8 is still grey: the mean is kept');
});

test('refused: images of two sizes, naming one of each', async () => {
  const entries = swap(twoClasses(), 10, { bytes: png(image(3, 32, 32), 32, 32) });
  const a = await refuse([zip('sizes.zip', entries)], 'sizes', 'sizes.zip', ['a/1.png', 'b/5.png', '28×28', '32×32']);
  assert.deepEqual([a.error.params.entry, a.error.params.other], ['a/1.png', 'b/5.png']);
  const wide = swap(twoClasses(), 1, { bytes: png(new Uint8Array(2049), 2049, 1) });
  await refuse([zip('wide.zip', wide)], 'imageSize', 'wide.zip', ['a/2.png', '2049×1', '2048']);
});

test('refused: 1 class, 63 classes', async () => {
  const a = await refuse([zip('one.zip', classZip(['only'], 6))], 'classCount', 'one.zip', ['1']);
  assert.equal(a.error.params.count, 1);
  await refuse([zip('wrapped-one.zip', classZip(['only'], 6, 'top/'))], 'classCount', 'wrapped-one.zip');
  const names = Array.from({ length: 63 }, (_, i) => `c${i}`);
  const b = await refuse([zip('many-classes.zip', classZip(names, 6))], 'classCount', 'many-classes.zip', ['63', '62']);
  assert.equal(b.error.params.count, 63);
  const r = (await accept([zip('62.zip', classZip(names.slice(0, 62), 6))])).result;
  assert.equal(r.classNames.length, 62);
  assert.deepEqual(r.classNames.slice(0, 3), ['c0', 'c1', 'c2']);
  assert.equal(r.classNames[10], 'c10');
});

test('refused: an empty class, a class missing from a split, an image at the root or off the split', async () => {
  await refuse([zip('empty.zip', [...twoClasses(), { path: 'c/' }])], 'emptyClass', 'empty.zip', ['c/']);
  await refuse([zip('empty2.zip', [...twoClasses(), { path: 'c/readme.txt', bytes: Buffer.from('x') }])],
    'emptyClass', 'empty2.zip', ['c/']);
  const split = [...classZip(['a', 'b'], 2, 'train/'), ...classZip(['a'], 1, 'test/')];
  const a = await refuse([zip('split.zip', split)], 'missingInSplit', 'split.zip', ['b', 'test/']);
  assert.deepEqual([a.error.params.class, a.error.params.split], ['b', 'test']);
  const unknown = [...classZip(['a'], 2, 'train/'), ...classZip(['a', 'z'], 1, 'test/')];
  await refuse([zip('unknown.zip', unknown)], 'missingInSplit', 'unknown.zip', ['z', 'train/']);
  await refuse([zip('emptysplit.zip', [...split, { path: 'test/b/' }])], 'emptyClass', 'emptysplit.zip', ['test/b/']);
  await refuse([zip('root.zip', [...twoClasses(), { path: 'stray.png', bytes: png(image(9)) }])],
    'rootImage', 'root.zip', ['stray.png']);
  const stray = { path: 'train/x.png', bytes: png(image(9)) };
  await refuse([zip('root2.zip', [...split, ...classZip(['b'], 1, 'test/'), stray])], 'rootImage', 'root2.zip',
    ['train/x.png']);
  await refuse([zip('val.zip', [...split, ...classZip(['b'], 1, 'test/'), ...classZip(['a'], 1, 'val/')])],
    'outsideSplit', 'val.zip', ['val/a/1.png']);
});

test('refused: no PNG at all; too few images for a test split', async () => {
  await refuse([zip('text.zip', [{ path: 'a/readme.txt', bytes: Buffer.from('no images') }])], 'noImages', 'text.zip');
  await refuse([zip('few.zip', classZip(['a', 'b'], 5))], 'noTest', 'few.zip');
});

// ---- IDX files ----

const idxBytes = (tag) => Buffer.from(`${tag}: not parsed here, the wasm checks it`);

test('IDX sets: recognised by name (raw or .gz, MNIST or EMNIST style), in order, with classes.txt', async () => {
  const mnist = [
    ['t10k-labels-idx1-ubyte.gz', idxBytes('test labels')],
    ['classes.txt', Buffer.from('\ufeffzero\r\none\r\n\r\ntwo \n')],
    ['train-images-idx3-ubyte.gz', idxBytes('train images')],
    ['t10k-images-idx3-ubyte', idxBytes('test images')],
    ['train-labels-idx1-ubyte', idxBytes('train labels')],
  ];
  const r = (await accept(mnist)).result;
  assert.equal(r.kind, 'idx');
  assert.equal(r.name, 'IDX');
  assert.deepEqual(r.files.map((f) => Buffer.from(f).toString()),
    ['train images', 'train labels', 'test images', 'test labels'].map((t) => idxBytes(t).toString()));
  assert.deepEqual(r.classNames, ['zero', 'one', 'two']);
  assert.deepEqual(r.fileNames, ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte.gz']);
  const emnist = ['train-images', 'train-labels', 'test-images', 'test-labels']
    .map((role) => [`emnist-letters-${role}-idx${role.endsWith('images') ? 3 : 1}-ubyte.gz`, idxBytes(role)]);
  const e = (await accept(emnist.reverse())).result;
  assert.equal(e.name, 'emnist-letters');
  assert.equal(e.classNames, null);
  assert.equal(Buffer.from(e.files[2]).toString(), idxBytes('test-images').toString());
});

test('IDX sets: a missing or doubled role, an unknown file, a zip beside them, a bad classes.txt', async () => {
  const set = [
    ['train-images-idx3-ubyte.gz', idxBytes('a')], ['train-labels-idx1-ubyte.gz', idxBytes('b')],
    ['t10k-images-idx3-ubyte.gz', idxBytes('c')], ['t10k-labels-idx1-ubyte.gz', idxBytes('d')],
  ];
  await refuse(set.slice(0, 3), 'idxMissing', 't10k-labels-idx1-ubyte');
  await refuse([set[1], set[2], set[3]], 'idxMissing', 'train-images-idx3-ubyte');
  await refuse([...set, ['train-images-idx3-ubyte', idxBytes('e')]], 'duplicate', 'train-images-idx3-ubyte',
    ['train-images-idx3-ubyte.gz']);
  await refuse([...set, ['photo.jpg', idxBytes('f')]], 'unknownFile', 'photo.jpg');
  await refuse([...set, zip('digits.zip', twoClasses())], 'mixed', 'digits.zip');
  await refuse([...set, ['classes.txt', Buffer.from('only\n')]], 'classCount', 'classes.txt');
  await refuse([], 'noFiles', '');
});

// ---- The catalogs ----

test('every refusal has its message in both catalogs, with the placeholders its params fill', () => {
  const source = ['own-data.js', 'zip.js'].map((f) => readFileSync(join(ROOT, 'www', f), 'utf8')).join('\n');
  const keys = new Set([
    ...[...source.matchAll(/fail\('(\w+)'/g)].map((m) => `ownData.err.${m[1]}`),
    ...[...source.matchAll(/'(ownData\.err\.\w+)'/g)].map((m) => m[1]),
  ]);
  assert.ok(keys.size >= 25, `${keys.size} keys found in the source`);
  const lookup = (cat, key) => key.split('.').reduce((node, k) => node?.[k], cat);
  for (const [lang, cat] of Object.entries(CATALOGS)) {
    for (const k of keys) assert.equal(typeof lookup(cat, k), 'string', `${lang}: ${k}`);
    for (const p of ['unzip', 'decode']) assert.match(lookup(cat, `ownData.progress.${p}`), /\{done\}.*\{total\}/s);
  }
  const seen = new Set(refusals.map((e) => e.key));
  // (a read failure needs a file that vanishes after it is picked)
  assert.deepEqual([...keys].filter((k) => !seen.has(k) && k !== 'ownData.err.read'), [],
    'every refusal but a failed read is exercised above');
  for (const e of refusals) {
    for (const [lang, cat] of Object.entries(CATALOGS)) {
      const text = lookup(cat, e.key);
      for (const [, name] of text.matchAll(/\{(\w+)\}/g)) {
        assert.ok(Object.hasOwn(e.params, name), `${lang} ${e.key}: no {${name}} in ${JSON.stringify(e.params)}`);
      }
    }
  }
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'the test writer\'s CRC32 (check value)');
});

test('no page or console errors, no request outside the test server', () => {
  assert.deepEqual(lab.log.pageErrors, [], 'page errors');
  assert.deepEqual(lab.log.consoleErrors, [], 'console errors');
  assert.deepEqual(lab.foreignRequests(), [], 'requests elsewhere');
});
