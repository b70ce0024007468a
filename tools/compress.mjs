// Content-Encoding for the static server: brotli or gzip, whichever the client accepts (brotli first), for the
// compressible files. Each file is compressed once per version (path, size, mtime) and kept on disk, so the browser
// tests' many short-lived servers do not compress the wasm again and again.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'distill-lab', 'http');
/** Worth compressing: text, the wasm, and the float weights (the .gz data files are compressed already). */
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.json', '.svg', '.md', '.txt', '.safetensors']);
const MIN_BYTES = 1024;
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

async function compress(file, encoding, size) {
  const raw = await readFile(file);
  if (encoding === 'gzip') return gz(raw, { level: 9 });
  return brotli(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: size,
    },
  });
}

/** The bytes of `file` (whose stat is `info`) compressed with `encoding`, from the disk cache when it has them. */
export function compressed(file, info, encoding) {
  const key = createHash('sha256').update(`${file}\0${info.size}\0${info.mtimeMs}\0${encoding}`).digest('hex');
  if (!pending.has(key)) {
    const path = join(CACHE, `${key}.${encoding}`);
    const job = readFile(path).catch(async () => {
      const out = await compress(file, encoding, info.size);
      await mkdir(CACHE, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, out);
      await rename(tmp, path);
      return out;
    });
    pending.set(key, job);
    job.catch(() => pending.delete(key));
  }
  return pending.get(key);
}
