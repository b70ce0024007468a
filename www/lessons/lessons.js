// The guided lessons: a visitor who opens the page without a link lands here. Each lesson is a route (#lesson=N), a
// few sentences, one primary action, the one or two views that show the point, and a "predict first" question: the
// action unlocks once the visitor has guessed, and the reveal says whether the guess was right, with the measured
// numbers. The lessons themselves (text keys, presets, what to measure) are in defs.js.

import { t, num } from '../i18n.js';
import { LESSONS } from './defs.js';

const $ = (id) => document.getElementById(id);

/** The top-level panels a lesson can show; everything else with [data-view] is hidden in lesson mode. */
const ALWAYS = ['lesson', 'notices'];

/**
 * @param {{state: import('../state.js').State, ctx: object, onOpenLab: () => void}} deps ctx: what the lessons may
 *   do with the lab (defs.js documents it)
 */
export function createLessons({ state, ctx, onOpenLab }) {
  const el = {
    panel: $('lesson'), steps: $('lesson-steps'), kicker: $('lesson-kicker'), title: $('lesson-title'),
    text: $('lesson-text'), stage: $('lesson-stage'), go: $('lesson-go'), progress: $('lesson-progress'),
    q: $('lesson-q'), options: $('lesson-options'), reveal: $('lesson-reveal'), prev: $('lesson-prev'),
    next: $('lesson-next'), openLab: $('open-lab'), hint: $('lesson-hint'),
  };
  let active = null; // {def, n, token}
  let busy = false;
  let token = 0; // drops the results of a lesson the visitor has left

  function renderSteps(n) {
    el.steps.replaceChildren(...LESSONS.map((def, i) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#lesson=${i + 1}`;
      a.textContent = `${num(i + 1)}. ${t(`lesson.${def.key}.short`)}`;
      if (i + 1 === n) a.setAttribute('aria-current', 'step');
      if (state.answer(i + 1) !== undefined) a.dataset.answered = 'true';
      li.append(a);
      return li;
    }));
  }

  function showViews(views) {
    for (const panel of document.querySelectorAll('[data-view]')) {
      panel.hidden = !(ALWAYS.includes(panel.dataset.view) || views.includes(panel.dataset.view));
    }
  }

  function renderOptions(def, n) {
    const guess = state.answer(n);
    el.options.replaceChildren(...def.options(ctx).map((opt) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'option';
      b.dataset.value = opt.value;
      b.textContent = opt.label;
      b.setAttribute('aria-pressed', String(guess === opt.value));
      b.disabled = Boolean(active?.revealed);
      b.addEventListener('click', () => {
        if (active?.revealed) return; // the guess is locked once the answer is shown
        state.setAnswer(n, opt.value);
        renderOptions(def, n);
        renderSteps(n);
        updateGo();
        if (active?.result !== undefined) reveal();
      });
      return b;
    }));
  }

  function updateGo() {
    if (!active) return;
    const answered = state.answer(active.n) !== undefined;
    // The action runs with or without a guess (one click to a result); the verdict waits for the guess.
    el.go.disabled = busy || !ctx.ready();
    el.hint.textContent = !ctx.ready() && !busy ? t('lesson.waitLoading') : answered || active.revealed ? '' : t('lesson.answerFirst');
    el.panel.dataset.answered = String(answered);
  }

  /** Shows the verdict for the measured result and the visitor's guess: right or not, and why, with the numbers. */
  function reveal() {
    const { def, n, result } = active;
    const guess = state.answer(n);
    if (guess === undefined) {
      el.panel.dataset.phase = 'awaiting';
      el.progress.textContent = t('lesson.answerToReveal');
      return;
    }
    const verdict = def.judge(result, guess, ctx);
    el.reveal.replaceChildren();
    const head = document.createElement('p');
    head.className = 'verdict';
    head.dataset.right = String(verdict.right);
    head.textContent = verdict.right ? t('lesson.right') : t('lesson.notQuite', { answer: verdict.answerLabel });
    const body = document.createElement('p');
    body.className = 'why';
    body.textContent = verdict.text;
    el.reveal.append(head, body);
    if (verdict.source) {
      const src = document.createElement('p');
      src.className = 'hint source';
      src.textContent = verdict.source;
      el.reveal.append(src);
    }
    active.revealed = true;
    el.reveal.hidden = false;
    el.panel.dataset.phase = 'revealed';
    el.panel.dataset.right = String(verdict.right);
    el.progress.textContent = '';
    renderOptions(def, n);
    updateGo();
  }

  /** Runs the lesson's action, then reveals (at once, or when the visitor has guessed). */
  async function go() {
    if (!active || busy) return;
    const { def } = active;
    const my = token;
    busy = true;
    active.result = undefined;
    active.revealed = false;
    updateGo();
    el.reveal.hidden = true;
    el.panel.dataset.phase = 'running';
    el.progress.textContent = t(`lesson.${def.key}.running`);
    try {
      const result = await def.act(ctx, { stage: el.stage, progress: (text) => { el.progress.textContent = text; } });
      if (my !== token) return;
      active.result = result;
      busy = false;
      reveal();
    } catch (e) {
      if (my !== token) return;
      el.panel.dataset.phase = 'error';
      el.progress.textContent = t('lesson.failed', { message: e.message || String(e) });
    } finally {
      if (my === token) busy = false;
      updateGo();
    }
  }

  /** Lets the lesson draw its own view once the lab has what it needs. */
  function fillStage() {
    if (!active || !ctx.ready() || !active.def.ready) return;
    const n = active.n;
    Promise.resolve(active.def.ready(ctx, { stage: el.stage })).catch((e) => {
      if (active?.n === n) el.progress.textContent = t('lesson.failed', { message: e.message || String(e) });
    });
  }

  /** Shows lesson n (1-based). */
  function open(n) {
    const def = LESSONS[n - 1];
    if (!def) return;
    token += 1;
    busy = false;
    active = { def, n };
    document.body.dataset.mode = 'lesson';
    el.panel.dataset.lesson = String(n);
    el.panel.dataset.phase = 'question';
    delete el.panel.dataset.right;
    el.kicker.textContent = t('lesson.kicker', { n: num(n), total: num(LESSONS.length) });
    el.title.textContent = t(`lesson.${def.key}.title`);
    el.text.replaceChildren(...t(`lesson.${def.key}.text`).split('\n').map((para) => {
      const p = document.createElement('p');
      p.textContent = para;
      return p;
    }));
    el.q.textContent = t(`lesson.${def.key}.question`);
    el.go.textContent = t(`lesson.${def.key}.action`);
    el.progress.textContent = '';
    el.reveal.hidden = true;
    el.prev.disabled = n <= 1;
    el.next.textContent = n >= LESSONS.length ? t('lesson.toLab') : t('lesson.next');
    el.stage.replaceChildren();
    showViews(def.views);
    renderSteps(n);
    renderOptions(def, n);
    updateGo();
    def.enter?.(ctx, { stage: el.stage });
    fillStage();
    document.title = `${t(`lesson.${def.key}.title`)} · distill-lab`;
  }

  function close() {
    token += 1;
    busy = false;
    active = null;
    document.body.dataset.mode = 'lab';
    for (const panel of document.querySelectorAll('[data-view]')) panel.hidden = panel.dataset.view === 'lesson';
    document.title = t('app.title');
  }

  el.go.addEventListener('click', go);
  el.prev.addEventListener('click', () => active && state.set('lesson', active.n - 1));
  el.next.addEventListener('click', () => {
    if (!active) return;
    if (active.n >= LESSONS.length) onOpenLab();
    else state.set('lesson', active.n + 1);
  });
  el.openLab.addEventListener('click', onOpenLab);

  return {
    open,
    close,
    /** The lab became ready (or busy): the action's button follows; the lesson's view may fill itself. */
    onReady() {
      updateGo();
      // Some answers only exist once the data is loaded (lesson 1's class names).
      if (active && !el.options.children.length) renderOptions(active.def, active.n);
      fillStage();
    },
    count: LESSONS.length,
  };
}
