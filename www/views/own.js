// "Your own data and teacher": the visitor picks or drops a dataset (four IDX files or a zip of PNG folders) and a
// teacher's weight file, or trains a teacher here. The files go to the worker (nothing leaves the tab) and, when the
// visitor ticks "keep", into this browser's storage (own-store.js). The page's load() asks payload() for them, so a
// replaced worker (recovery.js) and a reload with a kept record get them again.

import { t, num, pct } from '../i18n.js';
import { loadKept, keep, forget } from '../own-store.js';

const $ = (id) => document.getElementById(id);
const isTeacherFile = (f) => /\.safetensors$/i.test(f.name);

/**
 * `post(msg)`: to the worker; `busy(text)`: the page waits (Start disabled) saying text; `notice(text, kind)`;
 * `loadedDataset()`: the dataset the worker holds ('own' for the visitor's); `onData(info)`: the visitor's data is
 * in, waiting for its teacher; `reload()`: loads the current dataset again (with the bundled teacher once the
 * visitor's is dropped).
 */
export function createOwn({ post, busy, notice, loadedDataset, onData, reload }) {
  let data = null; // {files, info}: the visitor's dataset
  let teacher = null; // {name, file | bytes, dataset}: the visitor's teacher and the dataset it was loaded for
  let pending = null; // {kind: 'data'|'teacher', files | teacher}: sent to the worker, not yet accepted
  let downloadUrl = null;
  const el = {
    data: $('own-data-input'), teacher: $('own-teacher-input'), drop: $('own'), train: $('own-train'),
    arch: $('own-arch'), epochs: $('own-epochs'), keep: $('own-keep'), forget: $('own-forget'),
    status: $('own-status'), bundled: $('own-bundled'), download: $('own-download'), option: $('in-dataset')?.querySelector('option[value="own"]'),
  };
  const say = (text, kind = 'info') => {
    el.status.textContent = text;
    el.status.dataset.kind = kind;
  };
  const errorText = (msg) => (msg.key ? t(msg.key, msg.params ?? {}) : msg.message);

  function chooseData(files) {
    if (!files.length) return;
    pending = { kind: 'data', files };
    say(t('own.readingData', { count: files.length }));
    busy(t('own.readingData', { count: files.length }));
    post({ command: 'ownData', files });
  }

  function chooseTeacher(file) {
    pending = { kind: 'teacher', teacher: { name: file.name, file } };
    say(t('own.checkingTeacher', { name: file.name }));
    busy(t('own.checkingTeacher', { name: file.name }));
    post({ command: 'ownTeacher', teacher: pending.teacher });
  }

  /** Files from the picker or a drop: weight files are teachers, the rest a dataset. */
  function choose(files) {
    const teachers = files.filter(isTeacherFile);
    const rest = files.filter((f) => !isTeacherFile(f));
    if (rest.length) chooseData(rest);
    else if (teachers.length) chooseTeacher(teachers[0]);
  }

  el.data.addEventListener('change', () => choose([...el.data.files]));
  el.teacher.addEventListener('change', () => el.teacher.files[0] && chooseTeacher(el.teacher.files[0]));
  el.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.drop.dataset.drag = 'on';
  });
  el.drop.addEventListener('dragleave', () => delete el.drop.dataset.drag);
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    delete el.drop.dataset.drag;
    choose([...(e.dataTransfer?.files ?? [])]);
  });
  el.train.addEventListener('click', () => {
    const epochs = Math.min(20, Math.max(1, Math.round(Number(el.epochs.value) || 2)));
    el.epochs.value = String(epochs);
    say(t('own.training', { step: 0, total: '…' }));
    busy(t('own.training', { step: 0, total: '…' }));
    post({ command: 'trainTeacher', arch: el.arch.value, epochs, seed: 1, limit: 0 });
  });
  el.keep.addEventListener('change', () => (el.keep.checked ? store() : forgetAll()));
  el.forget.addEventListener('click', forgetAll);
  el.bundled.addEventListener('click', () => {
    teacher = null;
    el.bundled.hidden = true;
    store();
    reload();
  });

  async function store() {
    if (!el.keep.checked) return;
    try {
      await keep({
        data: data?.files ?? null,
        teacher: teacher ? { name: teacher.name, blob: teacher.file ?? new Blob([teacher.bytes]), dataset: teacher.dataset } : null,
      });
      say(t('own.kept'));
    } catch (e) {
      el.keep.checked = false;
      notice(t('own.notKept', { message: e?.message ?? String(e) }), 'error');
    }
  }

  async function forgetAll() {
    el.keep.checked = false;
    try {
      await forget();
      say(t('own.forgotten'));
    } catch (e) {
      notice(t('own.notKept', { message: e?.message ?? String(e) }), 'error');
    }
  }

  function offerDownload(name, bytes) {
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    el.download.href = downloadUrl;
    el.download.download = name;
    el.download.hidden = false;
  }

  const syncOption = () => {
    if (el.option) el.option.disabled = !data;
  };
  syncOption();

  return {
    /** Locks the panel while the page loads or trains (a file chosen then would stop the run). */
    setBusy(busy) {
      for (const input of [el.data, el.teacher, el.train, el.arch, el.epochs, el.bundled]) input.disabled = busy;
    },

    /** Restores the files kept in this browser, if any (before the first load). */
    async restore() {
      const kept = await loadKept();
      if (!kept) return;
      if (kept.data?.length) data = { files: kept.data, info: null };
      if (kept.teacher) teacher = { name: kept.teacher.name, file: kept.teacher.blob, dataset: kept.teacher.dataset };
      el.keep.checked = true;
      syncOption();
    },

    /** Whether the visitor's data is here for the 'own' dataset. */
    hasData: () => Boolean(data),

    /** The visitor's name for their dataset, once loaded. */
    name: () => data?.info?.name ?? null,

    /** What the worker's load message needs for `dataset`: the visitor's files and teacher, where they apply. */
    payload(dataset) {
      const out = {};
      if (dataset === 'own' && data) out.own = { files: data.files };
      if (teacher && teacher.dataset === dataset) out.teacher = { name: teacher.name, file: teacher.file, bytes: teacher.bytes };
      return out;
    },

    /** Handles the worker's messages about the visitor's files; true when nothing else needs `msg`. */
    onStatus(msg) {
      switch (msg.status) {
        case 'needTeacher':
          if (pending?.kind === 'data') data = { files: pending.files, info: msg.dataset };
          else if (data) data.info = msg.dataset;
          if (teacher?.dataset === 'own') teacher = null; // a new dataset: the old teacher may not fit it
          pending = null;
          syncOption();
          say(t('own.dataIn', { name: msg.dataset.name, train: num(msg.dataset.train), test: num(msg.dataset.test),
            classes: msg.dataset.classNames.length }));
          onData(msg.dataset);
          store();
          return true;
        case 'ownError':
          pending = null;
          say(errorText(msg), 'error');
          notice(errorText(msg), 'error');
          return true;
        case 'teacherTraining':
          say(msg.testAccuracy == null
            ? t('own.training', { step: num(msg.step), total: num(msg.totalSteps) })
            : t('own.trained', { accuracy: pct(msg.testAccuracy) }));
          busy(t('own.training', { step: num(msg.step), total: num(msg.totalSteps) }));
          return true;
        case 'teacherTrained':
          pending = { kind: 'teacher', teacher: { name: msg.name, bytes: msg.bytes } };
          offerDownload(msg.name, msg.bytes);
          return true;
        case 'ready':
          if (msg.teacher?.file && pending?.kind === 'teacher') {
            teacher = { ...pending.teacher, dataset: loadedDataset() };
            el.status.dataset.helpers = String(msg.teacher.helpers); // how many helper workers computed its soft labels
            pending = null;
            say(t('own.teacherIn', { name: teacher.name, spec: msg.teacher.spec, accuracy: pct(msg.teacher.testAccuracy) }));
            store();
          }
          el.bundled.hidden = !msg.teacher?.file || loadedDataset() === 'own';
          if (msg.dataset?.own && data) data.info = msg.dataset;
          return false;
        default:
          return false;
      }
    },
  };
}
