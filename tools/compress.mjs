// Content-Encoding for the static server: brotli or gzip, whichever the client accepts (brotli first), for the
// compressible files. Each content is compressed once (keyed on a hash of the bytes themselves, so a change that keeps
// the size and the mtime is still seen) and kept on disk, so the browser tests' many short-lived servers do not
// compress the wasm again and again. Memory holds only the compressions in flight; the disk cache is pruned to
// CACHE_LIMIT bytes, oldest first. tools/dist.mjs uses the same cache for dist/'s packed and precompressed files.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'distill-lab', 'http');
/** Worth compressing: text, the wasm, and the float weights (the .gz data files are compressed already). */
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.json', '.svg', '.md', '.txt', '.safetensors']);
const MIN_BYTES = 1024;
const CACHE_LIMIT = 256e6;
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const pending = new Map();

/** The encoding to send `file` with, given the request's Accept-Encoding, or null for none. */
export function chooseEncoding(file, size, acceptEncoding = '') {
  if (size < MIN_BYTES || !COMPRESSIBLE.has(extname(file).toLowerCase())) return null;
  const accepted = new Set(acceptEncoding.split(',').map((e) => e.split(';')[0].trim().toLowerCase()));
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return null;
}

function compress(raw, encoding) {
  if (encoding === 'gzip') return gz(raw, { level: 9 });
  return brotli(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

/**
 * `file` compressed with `encoding` ('br' or 'gzip'), from the disk cache when it has this content.
 * @returns {Promise<{body: Buffer, size: number}>} the compressed bytes and the size of the content they decode to
 */
export async function compressed(file, encoding) {
  const raw = await readFile(file);
  const key = createHash('sha256').update(raw).update(`\0${encoding}`).digest('hex');
  if (!pending.has(key)) {
    const path = join(CACHE, `${key}.${encoding}`);
    const job = readFile(path)
      .then((body) => {
        utimes(path, new Date(), new Date()).catch(() => {}); // recently used: pruned last
        return body;
      })
      .catch(async () => {
        const out = await compress(raw, encoding);
        await mkdir(CACHE, { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, out);
        await rename(tmp, path);
        prune().catch(() => {});
        return out;
      });
    // Only while in flight: concurrent requests share one compression, and nothing stays in memory after.
    pending.set(key, job);
    job.finally(() => pending.delete(key)).catch(() => {});
  }
  return { body: await pending.get(key), size: raw.length };
}

/** Compressions in flight (for the tests: none once every response is sent). */
export const inFlight = () => pending.size;

/** Deletes the least recently used entries of the disk cache beyond CACHE_LIMIT bytes. */
async function prune() {
  const entries = [];
  for (const name of await readdir(CACHE)) {
    if (!/^[0-9a-f]{64}\.(br|gzip)$/.test(name)) continue;
    const info = await stat(join(CACHE, name)).catch(() => null);
    if (info) entries.push({ name, size: info.size, mtime: info.mtimeMs });
  }
  entries.sort((a, b) => b.mtime - a.mtime);
  let total = 0;
  for (const e of entries) {
    total += e.size;
    if (total > CACHE_LIMIT) await rm(join(CACHE, e.name), { force: true });
  }
}
