// Progressive layer-wise distillation: the teacher→student layer mapping, drawn (teacher layers left, student layers
// right, a numbered line per pair in the order they are distilled, then the outputs) and editable with one select
// per student layer. The mapping lives in the State (its parameter's link key, `lmap`; '' = automatic); the run
// reports the one it used. The field is built from the methods' catalogue (views/method-fields.js).

import { t as tr } from '../i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const DEFAULT_TEACHER = 'cnn:32,64,256';

/** Feature layer names of an architecture string ("cnn:32,64,256" → conv 32, conv 64, dense 256). */
export function layerNames(arch) {
  const [kind, rest = ''] = String(arch).split(':');
  const widths = rest.split(',').filter(Boolean);
  const conv = (width) => tr('layermap.conv', { width });
  const dense = (width) => tr('layermap.dense', { width });
  if (kind === 'cnn') return [conv(widths[0]), conv(widths[1]), dense(widths[2])];
  return widths.map(dense);
}

/** The automatic mapping (as the run chooses it): student layer j ↔ teacher round(j·nT/nS), deepest student kept. */
export function autoMap(nTeacher, nStudent) {
  const pairs = [];
  for (let j = 1; j <= nStudent; j++) {
    const t = Math.max(1, Math.round((j * nTeacher) / nStudent));
    if (pairs.length && pairs[pairs.length - 1][0] === t) pairs[pairs.length - 1][1] = j;
    else pairs.push([t, j]);
  }
  return pairs;
}

export const parseMap = (text) => (text ? text.split(',').map((p) => p.split(':').map(Number)) : null);
export const formatMap = (pairs) => pairs.map(([t, s]) => `${t}:${s}`).join(',');

/** Why a mapping cannot run, or null. */
export function mapProblem(pairs, nTeacher, nStudent) {
  if (!pairs.length) return tr('layermap.problem.empty');
  if (pairs.some(([t, s]) => t > nTeacher || s > nStudent)) {
    return tr('layermap.problem.range', { teacherLayers: nTeacher, studentLayers: nStudent });
  }
  for (let i = 1; i < pairs.length; i++) {
    if (pairs[i][0] <= pairs[i - 1][0] || pairs[i][1] <= pairs[i - 1][1]) {
      return tr('layermap.problem.order');
    }
  }
  return null;
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text != null) node.textContent = text;
  return node;
}

/**
 * @param {HTMLElement} field the parameter's field (views/method-fields.js) @param {import('../state.js').State} state
 * @param {string} key the parameter's key in the State (its link key)
 */
export function createLayerMap(field, state, key) {
  const selects = field.querySelector('.lmap-selects');
  const svg = field.querySelector('.lmap-svg');
  const note = field.querySelector('.lmap-note');
  let teacherArch = DEFAULT_TEACHER;
  let used = null;

  const studentArch = () => `${state.get('arch')}:${state.get('hidden').join(',')}`;

  function current() {
    const teacher = layerNames(teacherArch);
    const student = layerNames(studentArch());
    const pairs = parseMap(state.get(key)) ?? autoMap(teacher.length, student.length);
    return { teacher, student, pairs };
  }

  function draw({ teacher, student, pairs }) {
    const rowH = 30;
    const rows = Math.max(teacher.length, student.length) + 1;
    const [w, h] = [400, 10 + (rows - 0.5) * rowH + 26];
    svg.replaceChildren();
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    const y = (i) => 10 + i * rowH;
    const box = (x, i, label) => {
      svg.append(el('rect', { x, y: y(i), width: 120, height: 22, rx: 4 }));
      svg.append(el('text', { x: x + 8, y: y(i) + 15 }, label));
    };
    svg.append(el('text', { x: 10, y: 8 }, tr('layermap.teacher')), el('text', { x: 270, y: 8 }, tr('layermap.student')));
    teacher.forEach((name, i) => box(10, i + 0.5, tr('layermap.box', { n: i + 1, name })));
    student.forEach((name, i) => box(270, i + 0.5, tr('layermap.box', { n: i + 1, name })));
    const last = rows - 0.5;
    box(10, last, tr('layermap.output'));
    box(270, last, tr('layermap.output'));
    pairs.forEach(([t, s], k) => {
      if (t > teacher.length || s > student.length) return;
      const [y1, y2] = [y(t - 0.5) + 11, y(s - 0.5) + 11];
      svg.append(el('line', { x1: 130, y1, x2: 270, y2 }));
      svg.append(el('text', { x: 196, y: (y1 + y2) / 2 - 4 }, String(k + 1)));
    });
    svg.append(el('line', { x1: 130, y1: y(last) + 11, x2: 270, y2: y(last) + 11, class: 'out' }));
    svg.append(el('text', { x: 172, y: y(last) + 7 }, tr('layermap.outputStep', { n: pairs.length + 1 })));
    const text = pairs.map(([t, s], k) => tr('layermap.pair',
      { k: k + 1, t, teacherLayer: teacher[t - 1], s, studentLayer: student[s - 1] }));
    text.push(tr('layermap.outputs', { n: pairs.length + 1 }));
    svg.setAttribute('aria-label', tr('layermap.aria', { pairs: text.join(tr('layermap.joiner')) }));
  }

  function renderSelects({ teacher, student, pairs }) {
    selects.replaceChildren();
    student.forEach((name, i) => {
      const label = document.createElement('label');
      label.textContent = tr('layermap.learnsFrom', { n: i + 1, name });
      const select = document.createElement('select');
      select.id = `in-${key}-${i + 1}`;
      select.append(new Option(tr('layermap.nothing'), '0'));
      teacher.forEach((t, k) => select.append(new Option(tr('layermap.teacherOption', { n: k + 1, name: t }), String(k + 1))));
      const pair = pairs.find(([, s]) => s === i + 1);
      select.value = pair ? String(pair[0]) : '0';
      select.addEventListener('change', () => {
        const next = [...selects.querySelectorAll('select')]
          .map((sel, j) => [Number(sel.value), j + 1])
          .filter(([t]) => t > 0);
        state.set(key, formatMap(next) || 'auto');
      });
      label.append(select);
      selects.append(label);
    });
  }

  function render() {
    const text = field.querySelector(`#in-${key}`);
    if (text && document.activeElement !== text) text.value = state.get(key) || 'auto';
    const view = current();
    renderSelects(view);
    draw(view);
    const problem = mapProblem(view.pairs, view.teacher.length, view.student.length);
    note.classList.toggle('warn', Boolean(problem));
    const mode = tr(state.get(key) ? 'layermap.mine' : 'layermap.auto');
    note.textContent = problem
      ? tr('layermap.cannotRun', { problem })
      : used
        ? tr('layermap.used', { map: formatMap(used) })
        : tr('layermap.plan', { mode, map: formatMap(view.pairs) });
  }

  const dispose = state.subscribe(() => {
    used = null;
    render();
  });
  render();
  return {
    render,
    /** Stops following the State (the field was replaced). */
    dispose,
    /** The teacher's architecture, from its model card. */
    setTeacher(arch) {
      teacherArch = arch || DEFAULT_TEACHER;
      render();
    },
    /** The mapping the run resolved ({pairs, teacher, student} from the wasm), or null. */
    showUsed(map) {
      used = map?.pairs ?? null;
      field.dataset.used = used ? formatMap(used) : '';
      render();
    },
  };
}
