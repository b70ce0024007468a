// softmax(z/τ) and entropy of one row of logits, for the explorer's instant redraws (the matrix and all reported
// metrics come from the Rust core).

/** @param {ArrayLike<number>} logits @param {number} tau @returns {number[]} */
export function softmaxTau(logits, tau) {
  const z = Array.from(logits, (v) => v / tau);
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Shannon entropy in bits. */
export function entropyBits(p) {
  return -p.reduce((s, q) => (q > 0 ? s + q * Math.log2(q) : s), 0);
}

/** τ ∈ [0.5, 20] ↔ slider position t ∈ [0, 1], log scale. */
export const tauFromSlider = (t) => 0.5 * Math.pow(40, t);
export const sliderFromTau = (tau) => Math.log(tau / 0.5) / Math.log(40);
