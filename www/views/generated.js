// Data-free distillation: the generator's images for one fixed noise, redrawn as it learns (rows of the ten classes).

import { t, num } from '../i18n.js';

const SIDE = 28;
const SCALE = 2;

/** @param {HTMLElement} figure shown only while the method is data-free @param {HTMLCanvasElement} canvas @param {HTMLElement} note */
export function createGeneratedGrid(figure, canvas, note) {
  const ctx = canvas.getContext('2d');
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  return {
    show(on) {
      figure.hidden = !on;
    },
    /** `images`: rows × 10 images of 784 grey levels in [0, 1] (white digits on black, as MNIST). */
    draw(images, step) {
      const count = Math.floor(images.length / (SIDE * SIDE));
      const rows = Math.ceil(count / 10);
      canvas.width = 10 * SIDE * SCALE;
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
        ctx.drawImage(small, (k % 10) * SIDE * SCALE, Math.floor(k / 10) * SIDE * SCALE, SIDE * SCALE, SIDE * SCALE);
      }
      figure.dataset.step = String(step);
      note.textContent = t('generated.at', { step: num(step) });
    },
    clear() {
      clear();
      delete figure.dataset.step;
      note.textContent = t('generated.start');
    },
    canvas: () => canvas,
  };
}
