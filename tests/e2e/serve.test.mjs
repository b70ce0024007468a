// The static server: encodings (brotli, gzip, none), the data files sent as they are, the headers of the lab's page
// and of the benchmark page. Node only, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startServer } from '../../tools/serve.mjs';
import { chooseEncoding } from '../../tools/compress.mjs';
import { ROOT } from './helpers.mjs';

function fetchRaw(url, headers = {}) {
  return new Promise((ok, fail) => {
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail);
  });
}

test('scripts go brotli- or gzip-encoded as accepted, decode to the file, and say their decoded size', async (t) => {
  const { server, url } = await startServer({ port: 0 });
  t.after(() => server.close());
  const file = await readFile(join(ROOT, 'www', 'main.js'));

  const br = await fetchRaw(url + 'main.js', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(Number(br.headers['content-length']), br.body.length);
  assert.equal(Number(br.headers['x-decoded-length']), file.length);
  assert.ok(br.body.length < file.length / 2, `${br.body.length} of ${file.length} bytes`);
  assert.deepEqual(brotliDecompressSync(br.body), file);

  const gz = await fetchRaw(url + 'main.js', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(gz.body), file);

  const plain = await fetchRaw(url + 'main.js', { 'accept-encoding': 'identity' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.deepEqual(plain.body, file);
  // Asked again, the server sends the same bytes: each version of a file is compressed once.
  const again = await fetchRaw(url + 'main.js', { 'accept-encoding': 'br' });
  assert.deepEqual(again.body, br.body);
});

test('the gzip data files go as they are; small and unknown files are not encoded', () => {
  assert.equal(chooseEncoding('/x/train-images-idx3-ubyte.gz', 9_000_000, 'br, gzip'), null);
  assert.equal(chooseEncoding('/x/a.js', 100, 'br'), null);
  assert.equal(chooseEncoding('/x/a.png', 100_000, 'br'), null);
  assert.equal(chooseEncoding('/x/m.wasm', 100_000, 'gzip;q=1.0, br;q=0.9'), 'br');
  assert.equal(chooseEncoding('/x/m.wasm', 100_000, ''), null);
});

test('the lab page keeps the strict policy; only the benchmark page allows what TF.js needs', async (t) => {
  const { server, url } = await startServer({ port: 0 });
  t.after(() => server.close());
  const lab = await fetchRaw(url);
  const bench = await fetchRaw(url + 'bench.html');
  for (const r of [lab, bench]) {
    assert.equal(r.status, 200);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  }
  const directive = (r, name) => r.headers['content-security-policy'].split('; ').find((d) => d.startsWith(name));
  assert.equal(directive(lab, 'script-src'), "script-src 'self' 'wasm-unsafe-eval'");
  assert.equal(directive(lab, 'worker-src'), "worker-src 'self'");
  assert.equal(directive(bench, 'script-src'), "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' blob:");
  assert.equal(directive(bench, 'worker-src'), "worker-src 'self' blob:");
  assert.equal((await fetchRaw(url + '..%2f..%2fetc/passwd')).status, 400);
});
