// The worker's side of "your own data, your own teacher": the visitor's dataset files (read by own-data.js, checked
// by the wasm), a teacher's weight file (checked by the wasm, then its soft labels computed chunk by chunk with
// progress) and a teacher trained in the tab. Nothing leaves the tab: the files arrive from the page as File objects
// or bytes and stay in this worker's memory.
//
// Out: loading {what: 'data', phase: 'unzip'|'decode'|'check', loaded, total}
//      | loading {what: 'teacher', phase: 'soft', loaded, total} (images whose soft labels are computed)
//      | teacherTraining {step, totalSteps, epoch, loss, testAccuracy?} | teacherTrained {name, bytes, testAccuracy}

import { readOwnData } from './own-data.js';
import { computeSoftLabels } from './soft-labels.js';

/** The largest teacher file read: the wasm refuses more anyway (MAX_FILE_BYTES, 272 MiB). */
export const MAX_TEACHER_BYTES = 272 << 20;
/** Target wall time of one teacher-training chunk, as the student's (worker.js). */
const CHUNK_MS = 100;

/** A teacher's bytes from `{name, bytes}` or `{name, file}` (a File), refusing an oversized one before reading it. */
async function teacherBytes(teacher) {
  const size = teacher.bytes ? teacher.bytes.byteLength : teacher.file.size;
  if (size > MAX_TEACHER_BYTES) {
    throw new Error(`${teacher.name}: ${Math.round(size / 2 ** 20)} MB, larger than any network the lab trains (272 MB)`);
  }
  return new Uint8Array(teacher.bytes ?? (await teacher.file.arrayBuffer()));
}

/**
 * `withLab(fn)`: runs fn(lab) between other calls into the wasm; `post`: to the page; `tick`: yields to the event
 * loop; `resize(gray, w, h)`: the wasm's MNIST-like 28×28 preprocessing (the draw pad's). A newer command (load,
 * reset) calls cancel(): the loops of older ones stop at their next chunk, throwing an error marked `cancelled`.
 */
export function createOwn({ withLab, post, tick, resize }) {
  let generation = 0; // bumped by cancel(): a loop of an older generation stops at its next chunk
  const check = (g) => {
    if (g !== generation) throw Object.assign(new Error('cancelled'), { cancelled: true });
  };

  return {
    /** Helper workers for soft labels (soft-labels.js): undefined = one a core; the browser tests set 0. */
    helpers: undefined,

    cancel() {
      generation += 1;
    },

    /** Reads the visitor's dataset files and makes them the lab's dataset; resolves to its info (loadDataset's). */
    async loadData(files) {
      const g = generation;
      const data = await readOwnData(files, {
        resize,
        onProgress: ({ phase, done, total }) => post({ status: 'loading', what: 'data', phase, loaded: done, total }),
      });
      check(g);
      post({ status: 'loading', what: 'data', phase: 'check', loaded: 1, total: 1 });
      await tick();
      const info = await withLab((l) => (data.kind === 'idx'
        ? l.loadOwnIdx(data.name, data.files.map((f, i) => data.fileNames?.[i] ?? f.name ?? `file ${i + 1}`),
          ...data.files.map((f) => f.bytes ?? f), data.classNames
            ? new TextEncoder().encode(data.classNames.join('\n')) : undefined)
        : l.loadOwnPixels(data.name, data.source ?? data.name, data.classNames, data.train.pixels, data.train.labels,
          data.test.pixels, data.test.labels)));
      return { ...info, own: true, resized: Boolean(data.resized), inverted: Boolean(data.inverted) };
    },

    /** Checks a teacher file against the loaded dataset, computes its soft labels; resolves to its accuracy. */
    async loadTeacher(teacher) {
      const g = generation;
      const bytes = await teacherBytes(teacher);
      const begun = await withLab((l) => l.ownTeacherBegin(teacher.name, bytes));
      const progress = (done) => post({ status: 'loading', what: 'teacher', phase: 'soft', loaded: done, total: begun.total });
      progress(0);
      const helpers = await computeSoftLabels({ withLab, name: teacher.name, bytes, begun, onDone: progress,
        check: () => check(g), tick, helpers: this.helpers });
      check(g);
      return { ...(await withLab((l) => l.ownTeacherFinish())), helpers };
    },

    /**
     * Trains a teacher `arch` on the loaded dataset's labels in chunks, posting its progress; resolves to
     * {name, bytes} (the lab's weight file) for loadTeacher and for the visitor to download or keep.
     */
    async trainTeacher({ arch, epochs, seed, limit }, datasetName) {
      const g = generation;
      const total = await withLab((l) => l.startTeacher(arch, epochs, BigInt(seed ?? 1), limit ?? 0));
      let k = 1;
      for (let finished = false; !finished;) {
        check(g);
        const t0 = performance.now();
        const r = await withLab((l) => l.trainSteps(k, 'distilled'));
        const dt = performance.now() - t0;
        k = Math.max(1, Math.min(k * 2, Math.round((Math.max(1, r.losses.length) * CHUNK_MS) / Math.max(dt, 1))));
        if (r.nanPaused) throw new Error(`the teacher's training stopped: ${r.message}`);
        finished = r.finished;
        post({ status: 'teacherTraining', step: r.step, totalSteps: total, epoch: r.epoch, loss: r.losses.at(-1) });
        await tick();
      }
      const e = await withLab((l) => l.evaluate('distilled'));
      post({ status: 'teacherTraining', step: total, totalSteps: total, epoch: epochs - 1, testAccuracy: e.testAccuracy });
      const bytes = await withLab((l) => l.teacherFromRun());
      const name = `${datasetName}-own-teacher.safetensors`;
      post({ status: 'teacherTrained', name, bytes: bytes.slice(), testAccuracy: e.testAccuracy });
      return { name, bytes };
    },
  };
}
