// Test-only writers of PNG images and zip archives (Node), for the own-data tests: small, exact, and able to write the
// broken archives the reader must refuse (lying sizes, odd methods, encryption flags, zip64 records).
import { deflateRawSync, deflateSync } from 'node:zlib';

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC32 as zip and PNG use it. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PNG_TYPES = { gray: [0, 1], grayAlpha: [4, 2], rgb: [2, 3], rgba: [6, 4] };

/**
 * A PNG of `width`×`height` pixels.
 * @param {ArrayLike<number>} pixels 1 (gray), 2 (gray, alpha), 3 (RGB) or 4 (RGBA) values per pixel, row by row;
 *   converted to the PNG's colour type (gray is repeated into R, G, B; alpha is the maximum where not given; a gray
 *   type takes the first channel). Values are 8-bit, or 16-bit with depth 16.
 * @param {{colour?: 'gray'|'grayAlpha'|'rgb'|'rgba', filter?: 0|1|2|3|4|'mixed', depth?: 8|16}} [opts] colour: the
 *   PNG colour type 0, 4, 2 or 6 (default gray); filter: the row filter (default 0, None; 'mixed': row y takes
 *   y % 5); depth: bits per sample (default 8)
 */
export function makePng(width, height, pixels, { colour = 'gray', filter = 0, depth = 8 } = {}) {
  const [type, channels] = PNG_TYPES[colour];
  const given = pixels.length / (width * height);
  if (![1, 2, 3, 4].includes(given)) throw new Error(`makePng: ${pixels.length} values for ${width}×${height}`);
  const max = depth === 16 ? 0xffff : 0xff;
  const bpp = (channels * depth) / 8;
  const stride = width * bpp;
  const rows = Array.from({ length: height }, (_, y) => {
    const row = Buffer.alloc(stride);
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * given;
      const v = (k) => pixels[src + k];
      const rgba = given <= 2 ? [v(0), v(0), v(0), given === 2 ? v(1) : max]
        : [v(0), v(1), v(2), given === 4 ? v(3) : max];
      const out = [[rgba[0]], [rgba[0], rgba[3]], rgba.slice(0, 3), rgba][channels - 1];
      out.forEach((s, c) => {
        if (depth === 16) row.writeUInt16BE(s, (x * channels + c) * 2);
        else row[x * channels + c] = s;
      });
    }
    return row;
  });
  const raw = Buffer.concat(rows.map((row, y) => {
    const f = filter === 'mixed' ? y % 5 : filter;
    return Buffer.concat([Buffer.from([f]), filterRow(f, row, y > 0 ? rows[y - 1] : Buffer.alloc(stride), bpp)]);
  }));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, type, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One row filtered with PNG filter `f` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) against the row above. */
function filterRow(f, row, above, bpp) {
  return row.map((v, x) => {
    const [a, b, c] = [x >= bpp ? row[x - bpp] : 0, above[x], x >= bpp ? above[x - bpp] : 0];
    const [pa, pb, pc] = [Math.abs(b - c), Math.abs(a - c), Math.abs(a + b - 2 * c)];
    const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    return (v - [0, a, b, (a + b) >> 1, paeth][f]) & 0xff;
  });
}

/** A PNG chunk: length, type, data, CRC (to build PNGs with extra chunks). */
export function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/**
 * A zip archive of `entries`, in order. A path ending in '/' is a folder entry (no bytes).
 * @param {{path: string, bytes?: Uint8Array, store?: boolean,
 *   declare?: {size?: number, crc?: number, method?: number, flags?: number}}[]} entries store: method 0 instead of
 *   deflate; declare: values written into both headers instead of the true ones (to build broken archives)
 * @param {{zip64?: boolean}} [opts] zip64: zip64 extra fields on every entry and a zip64 end record, as tools write
 *   past 65,535 entries
 * @returns {Buffer}
 */
export function makeZip(entries, { zip64 = false } = {}) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { path, bytes = new Uint8Array(0), store = false, declare = {} } of entries) {
    const name = Buffer.from(path, 'utf8');
    const data = Buffer.from(bytes);
    const method = store || path.endsWith('/') ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const f = {
      flags: 0x800 | (declare.flags ?? 0), // bit 11: UTF-8 names
      method: declare.method ?? method,
      crc: declare.crc ?? crc32(data),
      compressed: body.length,
      size: declare.size ?? data.length,
    };
    const extra = zip64 ? zip64Extra([f.size, f.compressed, offset]) : Buffer.alloc(0);
    const sizes = zip64 ? [0xffffffff, 0xffffffff] : [f.compressed, f.size];
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(f.flags, 6);
    local.writeUInt16LE(f.method, 8);
    local.writeUInt32LE(f.crc, 14);
    local.writeUInt32LE(sizes[0], 18);
    local.writeUInt32LE(sizes[1], 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(zip64 ? 20 : 0, 28);
    const localExtra = zip64 ? zip64Extra([f.size, f.compressed]) : Buffer.alloc(0);
    parts.push(local, name, localExtra, body);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    cd.writeUInt16LE(zip64 ? 45 : 20, 6);
    cd.writeUInt16LE(f.flags, 8);
    cd.writeUInt16LE(f.method, 10);
    cd.writeUInt32LE(f.crc, 16);
    cd.writeUInt32LE(sizes[0], 20);
    cd.writeUInt32LE(sizes[1], 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    central.push(cd, name, extra);
    offset += 30 + name.length + localExtra.length + body.length;
  }
  const cd = Buffer.concat(central);
  const tail = [];
  if (zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4); // the record's size after this field
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(rec, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : cd.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...parts, cd, ...tail, end]);
}

function zip64Extra(values) {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(1, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return extra;
}
