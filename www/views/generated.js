// Data-free distillation: the generator's images for one fixed noise, redrawn as it learns (rows of the dataset's
// classes, one column per class; the tooltip names the column's class).

import { t, num } from '../i18n.js';

const SIDE = 28;
const SCALE = 2;

/** @param {HTMLElement} figure shown only while the method is data-free @param {HTMLCanvasElement} canvas @param {HTMLElement} note */
export function createGeneratedGrid(figure, canvas, note) {
  const ctx = canvas.getContext('2d');
  let names = []; // the dataset's class names: one column each
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  canvas.addEventListener('pointermove', (e) => {
    const rect = canvas.getBoundingClientRect();
    const col = Math.floor(((e.clientX - rect.left) / (rect.width || 1)) * (canvas.width / (SIDE * SCALE)));
    canvas.title = names[col] === undefined ? '' : t('classViews.columnTitle', { index: col, label: names[col] });
  });
  return {
    show(on) {
      figure.hidden = !on;
    },
    /** The loaded dataset's class names (the worker's `ready`): the grid has one column per class. */
    setClasses(classNames) {
      names = classNames.slice();
    },
    /** `images`: rows × classes images of 784 grey levels in [0, 1] (white ink on black, as MNIST), class-major in a row. */
    draw(images, step) {
      const count = Math.floor(images.length / (SIDE * SIDE));
      const cols = names.length || count; // before the class names come: one row
      const rows = Math.ceil(count / cols);
      canvas.width = cols * SIDE * SCALE;
      canvas.height = rows * SIDE * SCALE;
      const tile = ctx.createImageData(SIDE, SIDE);
      const small = new OffscreenCanvas(SIDE, SIDE);
      const sctx = small.getContext('2d');
      ctx.imageSmoothingEnabled = false;
      for (let k = 0; k < count; k++) {
        for (let p = 0; p < SIDE * SIDE; p++) {
          const v = Math.round(255 * Math.min(1, Math.max(0, images[k * SIDE * SIDE + p])));
          tile.data.set([v, v, v, 255], 4 * p);
        }
        sctx.putImageData(tile, 0, 0);
        ctx.drawImage(small, (k % cols) * SIDE * SCALE, Math.floor(k / cols) * SIDE * SCALE, SIDE * SCALE, SIDE * SCALE);
      }
      figure.dataset.step = String(step);
      figure.dataset.columns = String(cols);
      if (names.length) {
        canvas.setAttribute('aria-label', t('classViews.generatedAria', { rows: num(rows), count: num(cols) }));
        note.textContent = t('classViews.generatedAt', { step: num(step), first: names[0], last: names[names.length - 1] });
      } else {
        note.textContent = t('generated.at', { step: num(step) });
      }
    },
    clear() {
      clear();
      delete figure.dataset.step;
      note.textContent = t('generated.start');
    },
    canvas: () => canvas,
  };
}
