// Result panel: the student's final numbers and the teacher's model card. Text only.

const $ = (id) => document.getElementById(id);

/** @param {number} accuracy 0..1 → "97.85%" */
export function formatAccuracy(accuracy) {
  return `${(accuracy * 100).toFixed(2)}%`;
}

function formatSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function setText(id, text) {
  $(id).textContent = text;
}

export function createResults() {
  return {
    /** @param {{testAccuracy: number, testErrors: number, wallSeconds: number, stepsPerSec: number}} r */
    showFinal(r) {
      setText('final-accuracy', formatAccuracy(r.testAccuracy));
      setText('final-errors', String(r.testErrors));
      setText('final-wall', formatSeconds(r.wallSeconds));
      setText('final-rate', Number.isFinite(r.stepsPerSec) ? r.stepsPerSec.toFixed(1) : '–');
    },

    clearFinal() {
      for (const id of ['final-accuracy', 'final-errors', 'final-wall', 'final-rate']) setText(id, '–');
    },

    /** The accuracy the wasm computed from the teacher's test logits. */
    showTeacherMeasured(teacher) {
      setText('teacher-accuracy', formatAccuracy(teacher.testAccuracy));
      setText('teacher-errors', `${teacher.testErrors} of 10,000`);
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
        setText('teacher-note', 'model card not available');
        return;
      }
      setText('teacher-arch', String(card.architecture ?? '–'));
      setText('teacher-params', Number.isFinite(card.parameters) ? card.parameters.toLocaleString('en-US') : '–');
      const parts = [];
      if (card.description) parts.push(String(card.description));
      if (Number.isFinite(card.test_accuracy)) {
        // The card may give a fraction (0.9812) or a percentage (98.12).
        const a = card.test_accuracy > 1 ? card.test_accuracy / 100 : card.test_accuracy;
        parts.push(`card: ${formatAccuracy(a)} test accuracy`);
      }
      if (Number.isFinite(card.train_seconds)) parts.push(`trained in ${formatSeconds(card.train_seconds)}`);
      if (card.seed !== undefined) parts.push(`seed ${card.seed}`);
      if (card.command) parts.push(`command: ${card.command}`);
      setText('teacher-note', parts.join(' · '));
    },

    clearTeacher() {
      for (const id of ['teacher-arch', 'teacher-params', 'teacher-accuracy', 'teacher-errors']) setText(id, '–');
      setText('teacher-note', '');
    },
  };
}
