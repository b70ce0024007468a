// The benchmark's KD step in TF.js 4.22, the same work as the lab's (src/train/bench.rs): upload the batch's pixels,
// one-hot labels and teacher logits, the student's forward and backward pass, Hinton's loss
// α·CE(y, s) + (1−α)·τ²·KL(softmax(t/τ) ‖ softmax(s/τ)) with α = 0.5, τ = 4, and Adam (lr 1e-3).
// The student is the lab's: dense layers with ReLU, or two 3×3 conv blocks (ReLU, 2×2 max pool) then dense layers.

const ALPHA = 0.5;
const TAU = 4;
const LR = 1e-3;

/** Parses `mlp:128` / `mlp:800,800` / `cnn:8,16,64` into layer sizes. */
export function parseStudent(student) {
  const [kind, list] = student.split(':');
  const widths = list ? list.split(',').map(Number) : [];
  if (kind === 'mlp') return { kind, widths };
  if (kind === 'cnn' && widths.length === 3) return { kind, channels: widths.slice(0, 2), widths: [widths[2]] };
  throw new Error(`unknown student '${student}'`);
}

function initParams(tf, spec) {
  const glorot = (shape, fanIn) => tf.variable(tf.mul(tf.randomUniform(shape, -1, 1), Math.sqrt(6 / fanIn / 2)));
  const params = [];
  let width = 784;
  if (spec.kind === 'cnn') {
    let cin = 1;
    for (const c of spec.channels) {
      params.push(glorot([3, 3, cin, c], 9 * cin), tf.variable(tf.zeros([c])));
      cin = c;
    }
    width = 49 * cin;
  }
  for (const w of [...spec.widths, 10]) {
    params.push(glorot([width, w], width), tf.variable(tf.zeros([w])));
    width = w;
  }
  return params;
}

function forward(tf, spec, params, x) {
  let p = 0;
  let h = x;
  if (spec.kind === 'cnn') {
    h = tf.reshape(h, [-1, 28, 28, 1]);
    for (let i = 0; i < spec.channels.length; i++) {
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, params[p], 1, 'same'), params[p + 1])), 2, 2, 'valid');
      p += 2;
    }
    h = tf.reshape(h, [h.shape[0], -1]);
  }
  const dense = (params.length - p) / 2;
  for (let i = 0; i < dense; i++) {
    h = tf.add(tf.matMul(h, params[p]), params[p + 1]);
    if (i < dense - 1) h = tf.relu(h);
    p += 2;
  }
  return h;
}

function hintonLoss(tf, s, y, t) {
  const ce = tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(s)), 1)));
  const logPt = tf.logSoftmax(tf.div(t, TAU));
  const kl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, tf.logSoftmax(tf.div(s, TAU)))), 1));
  return tf.add(tf.mul(ce, ALPHA), tf.mul(kl, (1 - ALPHA) * TAU * TAU));
}

/** Synthetic data like the lab's bench: four batches of random pixels, labels and teacher logits (×3 normal). */
export function syntheticBatches(batch, seed = 1) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return Array.from({ length: 4 }, () => {
    const x = Float32Array.from({ length: batch * 784 }, () => Math.floor(next() * 256) / 255);
    const y = new Float32Array(batch * 10);
    for (let r = 0; r < batch; r++) y[r * 10 + Math.floor(next() * 10)] = 1;
    const t = Float32Array.from({ length: batch * 10 }, () => 3 * normal());
    return { x, y, t };
  });
}

/** A TF.js run of `student` at `batch`; `steps(n)` trains n steps and reads the last loss back once. */
export function createTfjsBench(tf, student, batch) {
  const spec = parseStudent(student);
  const params = initParams(tf, spec);
  const optimizer = tf.train.adam(LR);
  const batches = syntheticBatches(batch);
  let step = 0;
  return {
    async steps(n) {
      let last = null;
      for (let i = 0; i < n; i++) {
        const b = batches[step++ % batches.length];
        if (last) last.dispose();
        last = tf.tidy(() => {
          const x = tf.tensor2d(b.x, [batch, 784]);
          const y = tf.tensor2d(b.y, [batch, 10]);
          const t = tf.tensor2d(b.t, [batch, 10]);
          return optimizer.minimize(() => hintonLoss(tf, forward(tf, spec, params, x), y, t), true, params);
        });
      }
      const [loss] = await last.data();
      last.dispose();
      return loss;
    },
    dispose() {
      optimizer.dispose();
      for (const p of params) p.dispose();
    },
  };
}
