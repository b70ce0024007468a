// Result panel: the student's final numbers and the teacher's model card. Text only.

import { t, num } from '../i18n.js';

const $ = (id) => document.getElementById(id);

/** @param {number} accuracy 0..1 → "97.85%" */
export function formatAccuracy(accuracy) {
  return `${(accuracy * 100).toFixed(2)}%`;
}

function formatSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return t('time.seconds', { s: s.toFixed(1) });
  return t('time.minutes', { m: Math.floor(s / 60), s: Math.round(s % 60) });
}

function setText(id, text) {
  $(id).textContent = text;
}

/** The size of the test set a result was measured on, from its accuracy and errors (null when it has no errors). */
function testCount({ testAccuracy, testErrors }) {
  const n = testErrors / (1 - testAccuracy);
  return testErrors > 0 && Number.isFinite(n) ? Math.round(n) : null;
}

export function createResults() {
  return {
    /** @param {{testAccuracy: number, testErrors: number, wallSeconds: number, stepsPerSec: number}} r */
    showFinal(r) {
      setText('final-accuracy', formatAccuracy(r.testAccuracy));
      setText('final-errors', String(r.testErrors));
      // "of N" beside the errors: the dataset's test set, not MNIST's 10,000.
      const total = testCount(r);
      const of = $('final-errors').nextElementSibling;
      if (of && total !== null) of.textContent = t('classViews.ofTotal', { total: num(total) });
      setText('final-wall', formatSeconds(r.wallSeconds));
      setText('final-rate', Number.isFinite(r.stepsPerSec) ? r.stepsPerSec.toFixed(1) : '–');
    },

    clearFinal() {
      for (const id of ['final-accuracy', 'final-errors', 'final-wall', 'final-rate']) setText(id, '–');
    },

    /**
     * The accuracy the wasm computed from the teacher's test logits; `total`: the test set's size (else it follows
     * from the accuracy and the errors).
     */
    showTeacherMeasured(teacher, total = testCount(teacher)) {
      setText('teacher-accuracy', formatAccuracy(teacher.testAccuracy));
      setText('teacher-errors', total === null ? String(teacher.testErrors)
        : t('results.errorsOf', { errors: teacher.testErrors, total: num(total) }));
    },

    /**
     * The model card (www/models/<dataset>-teacher.json), or null when it could not be read.
     * @param {{architecture?: string, description?: string, parameters?: number, test_accuracy?: number, command?: string,
     *          train_seconds?: number, seed?: number} | null} card
     */
    showCard(card) {
      if (!card) {
        setText('teacher-arch', '–');
        setText('teacher-params', '–');
        setText('teacher-note', t('results.noCard'));
        return;
      }
      setText('teacher-arch', String(card.architecture ?? '–'));
      setText('teacher-params', Number.isFinite(card.parameters) ? num(card.parameters) : '–');
      const parts = [];
      if (card.description) parts.push(t('results.cardDescription', { architecture: card.architecture ?? '–' }));
      if (Number.isFinite(card.test_accuracy)) {
        // The card may give a fraction (0.9812) or a percentage (98.12).
        const a = card.test_accuracy > 1 ? card.test_accuracy / 100 : card.test_accuracy;
        parts.push(t('results.cardAccuracy', { accuracy: formatAccuracy(a) }));
      }
      if (Number.isFinite(card.train_seconds)) parts.push(t('results.cardTrained', { time: formatSeconds(card.train_seconds) }));
      if (card.seed !== undefined) parts.push(t('results.cardSeed', { seed: card.seed }));
      if (card.command) parts.push(t('results.cardCommand', { command: card.command }));
      setText('teacher-note', parts.join(' · '));
    },

    /**
     * Fetches and shows the teacher's model card; `isCurrent()` false drops a late answer for another dataset.
     * @returns {Promise<object|null>} the card, or null (then `onMissing(message)` was told why)
     */
    async loadCard(dataset, isCurrent, onMissing) {
      try {
        const response = await fetch(`./models/${dataset}-teacher.json`);
        if (!response.ok) throw new Error(t('error.http', { status: response.status }));
        const card = await response.json();
        if (!isCurrent()) return null;
        this.showCard(card);
        return card;
      } catch (e) {
        if (!isCurrent()) return null;
        this.showCard(null);
        onMissing(e.message);
        return null;
      }
    },

    clearTeacher() {
      for (const id of ['teacher-arch', 'teacher-params', 'teacher-accuracy', 'teacher-errors']) setText(id, '–');
      setText('teacher-note', '');
    },
  };
}
