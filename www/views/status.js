// Status panel: page state, loading bars, backend badge, live step/loss, notices. Text only (textContent).

import { t, num } from '../i18n.js';

const $ = (id) => document.getElementById(id);

const MAX_NOTICES = 8;

function megabytes(bytes) {
  return num(bytes / 1e6, { digits: bytes < 1e7 ? 1 : 0 });
}

/** Formats a loss for display: finite numbers with 4 significant digits, anything else as-is ("NaN", "Infinity"). */
export function formatLoss(x) {
  // Plain digits (the same in both languages): tests and tools read this number back.
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/** The backend badge's reason: from the catalogs when the worker names it (`why`), else its English `reason`. */
export const backendReason = (msg) => (msg.why ? t(`backend.why.${msg.why}`, { detail: msg.detail || '' }) : msg.reason);

export function createStatus() {
  const el = {
    status: $('status'),
    badge: $('backend-badge'),
    backend: $('backend'),
    reason: $('backend-reason'),
    step: $('step'),
    totalSteps: $('total-steps'),
    epoch: $('epoch'),
    lastLoss: $('last-loss'),
    rate: $('rate'),
    notices: $('notices'),
  };

  return {
    /** Sets document.body.dataset.state (a stable hook for tests) and the status line. */
    setState(state, text) {
      document.body.dataset.state = state;
      if (text !== undefined) el.status.textContent = text;
    },

    setText(text) {
      el.status.textContent = text;
    },

    /** @param {string} backend 'webgpu' or 'cpu' (anything else is shown as given) */
    setBackend(backend, reason) {
      const key = String(backend).toLowerCase();
      const known = key === 'webgpu' || key === 'cpu';
      el.badge.dataset.backend = known ? key : 'unknown';
      el.backend.textContent = known ? t(`backend.name.${key}`) : String(backend);
      el.reason.textContent = reason || '';
    },

    /** @param {'wasm'|'data'|'teacher'} what */
    setBar(what, loaded, total, phase) {
      const bar = $(`bar-${what}`);
      const text = $(`bar-${what}-text`);
      if (!bar) return;
      const fraction = total > 0 ? Math.min(1, loaded / total) : 0;
      bar.value = fraction;
      let label;
      // Counted phases: the visitor's archive unzipped, its images decoded, a teacher's soft labels (worker-own.js).
      if ((phase === 'decode' && total <= 1) || phase === 'check') label = t('bar.decoding');
      else if (phase === 'decode' || phase === 'unzip' || phase === 'soft') label = t('bar.count', { loaded: num(loaded), total: num(total) });
      else if (phase === 'compile') label = t('bar.compiling');
      else label = total > 0 ? t('bar.mbOf', { loaded: megabytes(loaded), total: megabytes(total) }) : t('bar.mb', { loaded: megabytes(loaded) });
      text.textContent = label;
      bar.closest('.bar').dataset.done = 'false';
      this.setText(t('status.loadingWhat', { what: t(`bar.${what}`) }));
    },

    finishBar(what, label = t('bar.ready')) {
      const bar = $(`bar-${what}`);
      if (!bar) return;
      bar.value = 1;
      $(`bar-${what}-text`).textContent = label;
      bar.closest('.bar').dataset.done = 'true';
    },

    resetBars(whats) {
      for (const what of whats) {
        const bar = $(`bar-${what}`);
        bar.value = 0;
        $(`bar-${what}-text`).textContent = t('bar.waiting');
        bar.closest('.bar').dataset.done = 'false';
      }
    },

    setProgress({ step, totalSteps, epoch, lastLoss, stepsPerSec }) {
      el.step.textContent = String(step);
      if (totalSteps !== undefined) el.totalSteps.textContent = String(totalSteps);
      // (step counts stay plain digits: the tests and tools read them back as numbers)
      if (epoch !== undefined) el.epoch.textContent = String(epoch);
      if (lastLoss !== undefined) el.lastLoss.textContent = formatLoss(lastLoss);
      if (stepsPerSec !== undefined) el.rate.textContent = stepsPerSec > 0 ? num(stepsPerSec, { digits: 1 }) : '–';
    },

    clearProgress() {
      el.step.textContent = '0';
      el.totalSteps.textContent = '–';
      el.epoch.textContent = '–';
      el.lastLoss.textContent = '–';
      el.rate.textContent = '–';
    },

    /** Adds a plain-text notice (newest first); `kind` 'error' styles it as an error. */
    notice(text, kind = 'info') {
      const li = document.createElement('li');
      li.textContent = text;
      if (kind === 'error') li.className = 'error';
      el.notices.prepend(li);
      while (el.notices.children.length > MAX_NOTICES) el.notices.lastElementChild.remove();
    },
  };
}
