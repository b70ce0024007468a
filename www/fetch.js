// Fetch helpers for the worker: bytes with progress from the streamed body and Content-Length.

import { locate } from './assets.js';

/**
 * Fetches a file as bytes, reporting progress from the streamed body and Content-Length. `url` is the logical name;
 * in the published build it may live under a content-hashed name, gzip-packed (see assets.js).
 */
export async function fetchBytes(url, onProgress) {
  const { url: source, gzip } = locate(url);
  const response = await fetch(source);
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  // The body streams decoded: with a Content-Encoding, the server's X-Decoded-Length is the size to expect.
  const encoded = response.headers.get('Content-Encoding');
  const total = Number(response.headers.get(encoded ? 'X-Decoded-Length' : 'Content-Length')) || 0;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return unpack(bytes, gzip);
  }
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received, Math.max(total, received));
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  onProgress(received, received);
  return unpack(bytes, gzip);
}

/** Inflates a gzip-packed file (unless a host already decoded it on the way: then it no longer starts with 1f 8b). */
async function unpack(bytes, gzip) {
  if (!gzip || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Posts `loading` progress for a group of files, at most every 100 ms (and always at the end). */
export function progressReporter(post, what, count) {
  const loadedBy = new Array(count).fill(0);
  const totalBy = new Array(count).fill(0);
  let last = 0;
  return (i) => (loadedNow, totalNow) => {
    loadedBy[i] = loadedNow;
    totalBy[i] = totalNow;
    const now = performance.now();
    const loadedSum = loadedBy.reduce((a, b) => a + b, 0);
    const totalSum = totalBy.reduce((a, b) => a + b, 0);
    if (now - last < 100 && loadedSum < totalSum) return;
    last = now;
    post({ status: 'loading', what, loaded: loadedSum, total: totalSum, phase: 'download' });
  };
}
