// A small zip reader for a visitor's own dataset (own-data.js), run in the page's module worker. It reads the archive
// piecewise through File.slice(), so a large zip is never held whole just to list it; it inflates with the browser's
// DecompressionStream and checks each entry's CRC32 itself. Refusals are OwnDataErrors whose key names an
// 'ownData.err.*' message of the catalogs (www/i18n/*.json).
//
// Supported: methods 0 (stored) and 8 (deflate), zip64 records (needed past 65,535 entries, e.g. MNIST as 70,000 PNGs).
// Refused: other methods, encrypted entries, archives split over several files.

/** A refusal of the visitor's files: `key` is a catalog key, `params` fill its placeholders (always `file`). */
export class OwnDataError extends Error {
  /**
   * @param {string} key e.g. 'ownData.err.colour'
   * @param {{file: string} & Record<string, string|number>} params
   * @param {string} message English, names the file and the problem (for the console and the tests)
   */
  constructor(key, params, message) {
    super(message);
    this.name = 'OwnDataError';
    this.key = key;
    this.params = params;
  }
}

export const MIB = 1 << 20;
/** Archives and files over this size are refused before a byte of them is read. */
export const MAX_ZIP_BYTES = 1 << 30;
/** Zip-bomb guard: the entries that are read may not inflate to more than this, together. */
export const MAX_INFLATED_BYTES = 1 << 30;
/** How much of the archive one File.slice() read brings in while unpacking entries in order. */
const WINDOW = 8 * MIB;

const SIG = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, end64: 0x06064b50, locator64: 0x07064b50 };
const u16 = (b, i) => b[i] | (b[i + 1] << 8);
const u32 = (b, i) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
// 64-bit fields as Numbers: exact below 2^53, far above MAX_ZIP_BYTES.
const u64 = (b, i) => u32(b, i) + u32(b, i + 4) * 2 ** 32;

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** The CRC32 (zip, PNG, gzip) of `bytes`. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const mb = (n) => (n / MIB).toFixed(1);

/** Refuses a file over MAX_ZIP_BYTES (by its .size alone: nothing is read). */
export function checkFileSize(file) {
  if (file.size > MAX_ZIP_BYTES) {
    throw new OwnDataError('ownData.err.tooBig', { file: file.name, mb: mb(file.size), maxMb: mb(MAX_ZIP_BYTES) },
      `${file.name} is ${mb(file.size)} MB; the lab reads files of up to ${mb(MAX_ZIP_BYTES)} MB`);
  }
}

/** Bytes [a, b) of a File or Blob; a read failure (the file changed or vanished since it was picked) names it. */
export async function readSlice(file, a, b) {
  try {
    return new Uint8Array(await file.slice(a, b).arrayBuffer());
  } catch (e) {
    throw new OwnDataError('ownData.err.read', { file: file.name }, `${file.name} could not be read: ${e.message}`);
  }
}

/**
 * Opens a zip archive: its end record and central directory (the only parts read here).
 * @param {Blob & {name: string}} file
 * @returns {Promise<{name: string, entries: ZipEntry[], read: (a: number, b: number) => Promise<Uint8Array>,
 *   dataEnd: number}>} entries in directory order; a path ending in '/' is a folder.
 * @typedef {{path: string, flags: number, method: number, crc: number, compressedSize: number, size: number,
 *   offset: number}} ZipEntry
 */
export async function openZip(file) {
  const name = file.name;
  const fail = (key, message, params = {}) => new OwnDataError(`ownData.err.${key}`, { file: name, ...params },
    `${name}: ${message}`);
  checkFileSize(file);
  const size = file.size;
  const tailStart = Math.max(0, size - (0xffff + 22));
  const tail = await readSlice(file, tailStart, size);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === SIG.end && i + 22 + u16(tail, i + 20) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    // A zip starts with a local header (or is an empty archive's end record): if it does, its end was cut off.
    const head = await readSlice(file, 0, Math.min(4, size));
    if (head.length === 4 && u32(head, 0) === SIG.local) {
      throw fail('truncated', 'the end of the zip archive is missing (cut short, e.g. an interrupted download)');
    }
    throw fail('notZip', 'not a zip archive');
  }
  const endAt = tailStart + at;
  if (u16(tail, at + 4) !== 0 || u16(tail, at + 6) !== 0) {
    throw fail('multiDisk', 'an archive split over several files is not supported; make it one zip');
  }
  let count = u16(tail, at + 10);
  let cdSize = u32(tail, at + 12);
  let cdOffset = u32(tail, at + 16);
  let dataEnd = endAt;
  // zip64: the end record's fields are saturated and a locator, just before it, points at the zip64 end record.
  if (at >= 20 && u32(tail, at - 20) === SIG.locator64) {
    const recAt = u64(tail, at - 20 + 8);
    const rec = recAt + 56 <= endAt ? await readSlice(file, recAt, recAt + 56) : new Uint8Array(0);
    if (rec.length < 56 || u32(rec, 0) !== SIG.end64) throw fail('corrupt', 'its zip64 end record is damaged');
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
    dataEnd = recAt;
  }
  if (cdOffset + cdSize > dataEnd) throw fail('corrupt', 'its central directory lies outside the archive');
  // Each central record takes at least 46 bytes: a count the directory cannot hold is a damaged end record.
  if (count * 46 > cdSize) throw fail('corrupt', `its directory cannot hold the ${count} entries it declares`);
  const cd = await readSlice(file, cdOffset, cdOffset + cdSize);
  const entries = parseDirectory(cd, count, fail);
  for (const e of entries) {
    if (e.offset + 30 + e.compressedSize > cdOffset) throw fail('corrupt', `entry ${e.path} lies outside the archive`);
  }
  let window = null;
  /** Bytes [a, b) of the archive, through a window so that entries read in order cost few File reads. */
  const read = async (a, b) => {
    if (!window || a < window.start || b > window.start + window.bytes.length) {
      window = { start: a, bytes: await readSlice(file, a, Math.min(size, Math.max(b, a + WINDOW))) };
    }
    return window.bytes.subarray(a - window.start, b - window.start);
  };
  return { name, entries, read, dataEnd: cdOffset };
}

const utf8 = new TextDecoder();

/** The central directory's records (zip64 extra fields applied). */
function parseDirectory(cd, count, fail) {
  const entries = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || u32(cd, p) !== SIG.central) throw fail('corrupt', 'its central directory is damaged');
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const end = p + 46 + nameLen + extraLen + u16(cd, p + 32);
    if (end > cd.length) throw fail('corrupt', 'its central directory is damaged');
    // Names are UTF-8 when flag 11 says so and, in practice, from macOS and most tools even when it does not.
    const path = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen)).replaceAll('\\', '/').replace(/^(\.?\/)+/, '');
    const e = {
      path,
      flags: u16(cd, p + 8),
      method: u16(cd, p + 10),
      crc: u32(cd, p + 16),
      compressedSize: u32(cd, p + 20),
      size: u32(cd, p + 24),
      offset: u32(cd, p + 42),
    };
    applyZip64(e, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), fail);
    entries.push(e);
    p = end;
  }
  return entries;
}

/** Replaces an entry's saturated 32-bit fields by its zip64 extra field's (tag 1), in the order APPNOTE gives. */
function applyZip64(e, extra, fail) {
  const wanted = ['size', 'compressedSize', 'offset'].filter((k) => e[k] === 0xffffffff);
  if (!wanted.length) return;
  for (let q = 0; q + 4 <= extra.length; q += 4 + u16(extra, q + 2)) {
    if (u16(extra, q) !== 1) continue;
    if (wanted.length * 8 > u16(extra, q + 2) || q + 4 + wanted.length * 8 > extra.length) break;
    wanted.forEach((k, i) => (e[k] = u64(extra, q + 4 + i * 8)));
    return;
  }
  throw fail('corrupt', `entry ${e.path} lacks its zip64 sizes`);
}

/**
 * Checks, before anything is inflated, that `entries` can be read: no encryption, stored or deflated only, and
 * declared sizes that add up to at most MAX_INFLATED_BYTES.
 */
export function checkEntries(zipName, entries) {
  let total = 0;
  for (const e of entries) {
    const params = { file: zipName, entry: e.path };
    // Flag bit 0: traditional encryption; method 99: AES (WinZip).
    if (e.flags & 1 || e.method === 99) {
      throw new OwnDataError('ownData.err.encrypted', params, `${zipName}: ${e.path} is encrypted`);
    }
    if (e.method !== 0 && e.method !== 8) {
      throw new OwnDataError('ownData.err.method', { ...params, method: e.method },
        `${zipName}: ${e.path} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    total += e.size;
  }
  if (total > MAX_INFLATED_BYTES) {
    throw new OwnDataError('ownData.err.bomb', { file: zipName, mb: mb(total), maxMb: mb(MAX_INFLATED_BYTES) },
      `${zipName}: its images would unpack to ${mb(total)} MB, over the limit of ${mb(MAX_INFLATED_BYTES)} MB`);
  }
}

/**
 * The bytes of one entry of `zip` (from openZip), inflated and checked against its declared size and CRC32. An entry
 * that inflates past its declared size is stopped there (so the declared sizes bound the memory used).
 */
export async function extractEntry(zip, e) {
  const params = { file: zip.name, entry: e.path };
  const damaged = (why) => new OwnDataError('ownData.err.corruptEntry', params,
    `${zip.name}: ${e.path} is damaged (${why})`);
  const head = await zip.read(e.offset, e.offset + 30);
  if (u32(head, 0) !== SIG.local) throw damaged('no local header where the directory points');
  const start = e.offset + 30 + u16(head, 26) + u16(head, 28);
  if (start + e.compressedSize > zip.dataEnd) throw damaged('its data runs past the archive');
  const raw = await zip.read(start, start + e.compressedSize);
  let data;
  if (e.method === 0) {
    if (e.compressedSize !== e.size) throw damaged('stored with two different sizes');
    data = raw.slice(); // a copy: the read window may then be freed
  } else {
    try {
      data = await inflate(raw, e.size);
    } catch (err) {
      if (!err.tooLong) throw damaged(`its deflate data is invalid: ${err.message}`);
      throw new OwnDataError('ownData.err.inflatedSize', params,
        `${zip.name}: ${e.path} unpacks to more than the ${e.size} bytes declared (damaged, or a zip bomb)`);
    }
  }
  if (crc32(data) !== e.crc) {
    throw new OwnDataError('ownData.err.crc', params, `${zip.name}: ${e.path} is damaged (its CRC32 does not match)`);
  }
  return data;
}

/**
 * Inflates `raw` ('deflate-raw' for zip entries, 'deflate' for zlib data as in PNG) into exactly `expected` bytes; the
 * output is stopped there (an error with tooLong set) if it runs longer. Throws on invalid data.
 */
export async function inflate(raw, expected, format = 'deflate-raw') {
  const stream = new DecompressionStream(format);
  // Written whole through the writer: ~15× faster per small entry than piping a Blob's stream in Chromium. The write
  // and close promises fail as the read side does on bad data; the read side reports it.
  const writer = stream.writable.getWriter();
  writer.write(raw).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const out = new Uint8Array(expected);
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.length > expected) {
      reader.cancel().catch(() => {});
      throw Object.assign(new Error(`it unpacks to more than ${expected} bytes`), { tooLong: true });
    }
    out.set(value, n);
    n += value.length;
  }
  if (n !== expected) throw new Error(`it unpacks to ${n} bytes, not ${expected}`);
  return out;
}
