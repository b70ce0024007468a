// Which links open the lessons: no link at all, only a language, or lesson=N. A link with any setting of the lab
// opens the lab, so every link made before the lessons existed still reproduces its run. Pure (tested from Node).

const LESSON_ONLY = new Set(['lesson', 'lang']);

/** True when `hash` holds nothing but lesson= and lang= (or nothing). */
export function isLessonHash(hash) {
  const keys = String(hash ?? '').replace(/^#/, '').split('&').filter(Boolean)
    .map((part) => decodeURIComponent(part.split('=')[0]));
  return keys.every((k) => LESSON_ONLY.has(k));
}

/** A lesson's link: its number and, when chosen, the language. */
export function lessonHash(state) {
  const lang = state.get('lang');
  return `#lesson=${state.get('lesson')}` + (lang && lang !== 'auto' ? `&lang=${lang}` : '');
}
