// The development server's safety (issue 17, point 7): symlinks out of a mount, the Host header (DNS rebinding), the
// headers of error responses, framing, and the compression cache (keyed on the content, nothing kept in memory).
// Node only, no browser; each test serves a temporary folder of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { startServer } from '../../tools/serve.mjs';
import { inFlight } from '../../tools/compress.mjs';

function fetchRaw(url, headers = {}) {
  return new Promise((ok, fail) => {
    request(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail).end();
  });
}

/** A served folder `site/` (mounted at /) beside a folder `outside/` that must stay unreachable. */
async function fixture(t) {
  const root = await mkdtemp(join(tmpdir(), 'distill-lab-serve-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const site = join(root, 'site');
  const outside = join(root, 'outside');
  await Promise.all([mkdir(site), mkdir(outside)]);
  await writeFile(join(outside, 'secret.txt'), 'the secret\n');
  await writeFile(join(site, 'index.html'), '<!doctype html><title>x</title>\n');
  const { server, url } = await startServer({ port: 0, mounts: [['/', site]] });
  t.after(() => new Promise((ok) => server.close(ok)));
  return { site, outside, url };
}

test('a symlink inside the served folder that leads out of it is not followed', async (t) => {
  const { site, outside, url } = await fixture(t);
  await symlink(join(outside, 'secret.txt'), join(site, 'link.txt'));
  await symlink(outside, join(site, 'dir'));
  await writeFile(join(site, 'real.txt'), 'inside\n');
  await symlink(join(site, 'real.txt'), join(site, 'inner.txt'));

  for (const path of ['link.txt', 'dir/secret.txt', 'dir/']) {
    const r = await fetchRaw(url + path);
    assert.equal(r.status, 404, `${path}: ${r.status} ${r.body}`);
    assert.doesNotMatch(r.body.toString(), /secret/);
  }
  // A link that stays inside is fine.
  assert.equal((await fetchRaw(url + 'inner.txt')).body.toString(), 'inside\n');
});

test('only requests for this server\'s own host name are answered (DNS rebinding)', async (t) => {
  const { url } = await fixture(t);
  const port = new URL(url).port;
  assert.equal((await fetchRaw(url)).status, 200);
  assert.equal((await fetchRaw(url, { host: `localhost:${port}` })).status, 200);
  for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1.attacker.example:${port}`,
    `127.0.0.1:${Number(port) + 1}`]) {
    const r = await fetchRaw(url, { host });
    assert.equal(r.status, 421, `Host ${JSON.stringify(host)} got ${r.status}`);
    assert.doesNotMatch(r.body.toString(), /doctype/);
  }
});

test('error responses carry nosniff and a policy; pages cannot be framed', async (t) => {
  const { url } = await fixture(t);
  const responses = {
    404: await fetchRaw(url + 'missing.js'),
    400: await fetchRaw(url + '..%2f..%2fetc/passwd'),
    421: await fetchRaw(url, { host: 'attacker.example' }),
  };
  for (const [code, r] of Object.entries(responses)) {
    assert.equal(r.status, Number(code));
    assert.equal(r.headers['x-content-type-options'], 'nosniff', `${code}`);
    assert.match(r.headers['content-security-policy'] || '', /default-src 'none'/, `${code}`);
    assert.match(r.headers['content-security-policy'] || '', /frame-ancestors 'none'/, `${code}`);
  }
  const page = await fetchRaw(url);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-security-policy'], /(^|; )frame-ancestors 'none'(;|$)/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
});

test('a change that keeps the size and the mtime is served new; no compressed body stays in memory', async (t) => {
  const { site, url } = await fixture(t);
  const file = join(site, 'app.js');
  // Random text, so that each version compresses to its own bytes and is larger than the 1 KB threshold.
  const version = (c) => `// ${c}\n` + Array.from({ length: 400 }, (_, i) => `const v${i} = '${c}${(i * 7919) % 1000}';`).join('\n');
  const a = version('a');
  const b = version('b');
  assert.equal(a.length, b.length);
  const mtime = 1_700_000_000; // seconds: one fixed mtime for both versions
  await writeFile(file, a);
  await utimes(file, mtime, mtime);
  const before = await stat(file);
  const first = await fetchRaw(url + 'app.js', { 'accept-encoding': 'br' });
  assert.equal(first.headers['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(first.body).toString(), a);

  await writeFile(file, b);
  await utimes(file, mtime, mtime); // same size, same mtime: only the bytes differ
  assert.equal((await stat(file)).mtimeMs, before.mtimeMs);
  const second = await fetchRaw(url + 'app.js', { 'accept-encoding': 'br' });
  assert.equal(brotliDecompressSync(second.body).toString(), b, 'a stale compressed body was served');
  assert.equal(Number(second.headers['x-decoded-length']), b.length);
  assert.equal(inFlight(), 0, 'compressed bodies held in memory after their responses');
});
