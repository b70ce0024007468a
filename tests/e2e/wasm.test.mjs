// The two wasm builds, read as binaries (Node only): the WebGPU build imports WebGPU and the CPU-only build does not,
// and no exported function re-runs the static constructors (wasm-ld wraps every export in a call to them unless the
// module calls them itself; cubecl's registrations then ran again on every call from JS, most of a WebGPU step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, requireBuild } from './helpers.mjs';

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

/** Function imports (module.name), exported function indices, and each defined function's first instruction. */
function readModule(bytes) {
  const out = { imports: [], exportedFuncs: [], firstCall: [], onlyCalls: [], importedFuncs: 0 };
  const name = (at) => {
    const [n, p] = leb(bytes, at);
    return [new TextDecoder().decode(bytes.subarray(p, p + n)), p + n];
  };
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    at = start;
    if (id === 2) {
      let [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        let mod, field;
        [mod, p] = name(p);
        [field, p] = name(p);
        const kind = bytes[p++];
        if (kind === 0) { [, p] = leb(bytes, p); out.imports.push(`${mod}.${field}`); out.importedFuncs++; }
        else if (kind === 1) { p++; const flags = bytes[p++]; [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 2) { const flags = bytes[p++]; [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 3) p += 2;
        else throw new Error(`import kind ${kind}`);
      }
    } else if (id === 7) {
      let [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        [, p] = name(p);
        const kind = bytes[p++];
        let index;
        [index, p] = leb(bytes, p);
        if (kind === 0) out.exportedFuncs.push(index);
      }
    } else if (id === 10) {
      let [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        const [bodySize, bodyStart] = leb(bytes, p);
        let q = bodyStart;
        let groups;
        [groups, q] = leb(bytes, q);
        for (let g = 0; g < groups; g++) { [, q] = leb(bytes, q); q++; }
        // 0x10 = call <index>
        out.firstCall.push(bytes[q] === 0x10 ? leb(bytes, q + 1)[0] : null);
        // A body of nothing but direct calls (then `end`): how wasm-ld's __wasm_call_ctors looks.
        let calls = 0;
        while (bytes[q] === 0x10) { [, q] = leb(bytes, q + 1); calls++; }
        out.onlyCalls.push(q === bodyStart + bodySize - 1 && bytes[q] === 0x0b ? calls : 0);
        p = bodyStart + bodySize;
      }
    }
    at = start + size;
  }
  return out;
}

// The CPU-only build has no cubecl and so no constructors to speak of.
test('pkg: the static constructors run once, not at every call from JS', async () => {
  requireBuild();
  const m = readModule(await readFile(join(ROOT, 'pkg', 'distill_lab_bg.wasm')));
  // __wasm_call_ctors: the function made of the most direct calls and nothing else (thousands for cubecl).
  const most = Math.max(...m.onlyCalls);
  assert.ok(most >= 100, `no constructor function found (largest all-call body: ${most} calls)`);
  const ctors = m.importedFuncs + m.onlyCalls.indexOf(most);
  // Wrapped, every export gets a shim that starts by calling it; fixed, only the start function calls it.
  const callers = m.firstCall.filter((f) => f === ctors).length;
  assert.ok(callers <= 1, `${callers} functions start by running the static constructors`);
});

test('the WebGPU build imports WebGPU; the CPU-only build does not', async () => {
  requireBuild();
  const gpu = readModule(await readFile(join(ROOT, 'pkg', 'distill_lab_bg.wasm')));
  const cpu = readModule(await readFile(join(ROOT, 'pkg-cpu', 'distill_lab_bg.wasm')));
  const webgpu = (m) => m.imports.filter((i) => /requestAdapter|createComputePipeline|dispatchWorkgroups/.test(i));
  assert.ok(webgpu(gpu).length >= 3, `WebGPU imports of pkg: ${webgpu(gpu)}`);
  assert.deepEqual(webgpu(cpu), []);
});

// The WebGPU build leaves the CPU backend out (the page loads pkg-cpu when WebGPU is missing or fails). burn-flex's
// panic locations name its source files, so its code shows in a module's bytes.
test('the WebGPU build has no CPU backend; the CPU build has one', async () => {
  requireBuild();
  const mentions = async (dir) => (await readFile(join(ROOT, dir, 'distill_lab_bg.wasm'))).includes('burn-flex');
  assert.equal(await mentions('pkg'), false, 'pkg/ contains burn-flex');
  assert.equal(await mentions('pkg-cpu'), true, 'pkg-cpu/ lacks burn-flex');
});
