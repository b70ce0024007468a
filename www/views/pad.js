// A drawing pad: white ink on black like MNIST, pointer events (mouse, pen, touch).

import { t } from '../i18n.js';

const SIZE = 224;
const GRID = 112; // the grey image handed to the wasm, which centres and scales it like MNIST

/** @param {HTMLElement} box @param {{onChange: () => void}} handlers */
export function createPad(box, { onChange }) {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  canvas.className = 'drawpad';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('pad.aria'));
  box.append(canvas);
  const ctx = canvas.getContext('2d');
  let last = null;
  let empty = true;
  let timer = null;

  function clear() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
    empty = true;
  }

  function changed(now) {
    clearTimeout(timer);
    if (now) onChange();
    else timer = setTimeout(onChange, 60);
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * SIZE) / r.width, ((e.clientY - r.top) * SIZE) / r.height];
  }

  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    empty = false;
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(last[0], last[1], SIZE / 28, 0, 2 * Math.PI);
    ctx.fill();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = point(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = SIZE / 14;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    last = p;
    changed(false);
  });
  const end = () => {
    if (!last) return;
    last = null;
    changed(true);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();

  return {
    clear,
    isEmpty: () => empty,
    /** The pad as a 112×112 grey image (block averages of the red channel). */
    pixels() {
      const src = ctx.getImageData(0, 0, SIZE, SIZE).data;
      const k = SIZE / GRID;
      const out = new Uint8Array(GRID * GRID);
      for (let y = 0; y < GRID; y++) {
        for (let x = 0; x < GRID; x++) {
          let sum = 0;
          for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) sum += src[((y * k + dy) * SIZE + x * k + dx) * 4];
          out[y * GRID + x] = Math.round(sum / (k * k));
        }
      }
      return { width: GRID, height: GRID, data: out };
    },
    /** Paints a 28×28 image onto the pad, scaled up (so keyboard users and tests can use it too). */
    drawImage(pixels) {
      const cell = SIZE / 28;
      for (let i = 0; i < 784; i++) {
        const v = pixels[i];
        ctx.fillStyle = `rgb(${v},${v},${v})`;
        ctx.fillRect((i % 28) * cell, Math.floor(i / 28) * cell, cell, cell);
      }
      empty = false;
      changed(true);
    },
  };
}
