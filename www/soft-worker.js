// A helper worker of the lab's worker: the CPU build of the wasm with one teacher network alone (Predictor), computing
// its logits on the shares of images it is sent, so that a teacher's soft labels use more than one core
// (soft-labels.js).
//
// In:  {name, bytes}: the teacher's weight file, first | {id, images: Uint8Array (n · 784 grey levels)}
// Out: {ready: true} | {id, logits: Float32Array ([n, classes])} | {id?, error}

import { asset } from './assets.js';
import { fetchBytes } from './fetch.js';

let predictor = null;
const messageOf = (e) => (e && e.message ? e.message : String(e));

async function init({ name, bytes }) {
  const wasm = await import(asset('./pkg-cpu/distill_lab.js'));
  await wasm.default({ module_or_path: await fetchBytes(new URL('./pkg-cpu/distill_lab_bg.wasm', import.meta.url), () => {}) });
  predictor = new wasm.Predictor(name, bytes);
}

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.images === undefined) {
      await init(msg);
      self.postMessage({ ready: true });
      return;
    }
    const logits = await predictor.logits(msg.images);
    self.postMessage({ id: msg.id, logits }, [logits.buffer]);
  } catch (e) {
    self.postMessage({ id: msg.id, error: messageOf(e) });
  }
};
