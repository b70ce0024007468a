// Shared canvas helpers: HiDPI sizing, theme colours, the colour-blind-safe viridis scale, labels cut to fit,
// digit thumbnails.

import { t } from '../i18n.js';

export const INK = '#1d2330';
export const MUTED = '#5b6472';
export const GRID = '#dde2ea';
export const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** Okabe–Ito: distilled, hard-label, teacher. */
export const SERIES = { teacher: '#e69f00', distilled: '#0072b2', baseline: '#d55e00' };

// viridis at 9 stops (perceptually uniform, readable with every common colour-vision deficiency).
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** Colour of t in [0, 1] on viridis, as [r, g, b]. */
export function viridis(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
}

/** Sizes `canvas` to `width × height` CSS pixels at the device pixel ratio; returns its 2D context in CSS units. */
export function fit(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.font = FONT;
  return ctx;
}

/**
 * `text` as drawn in at most `maxWidth` CSS pixels with the context's font: whole when it fits, else cut and ended
 * with "…" (a class name on an axis; the view shows the full name in its tooltip).
 */
export function fitText(ctx, text, maxWidth) {
  const s = String(text);
  if (ctx.measureText(s).width <= maxWidth) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${s.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, lo)}…`;
}

/**
 * Which axis labels to draw when they sit `pitch` pixels apart: the smallest step (at least `min`) such that labels 0,
 * step, 2·step, … of these `widths` keep `gap` pixels between neighbours. 1 while every label fits.
 */
export function labelStep(widths, pitch, min = 1, gap = 2) {
  for (let step = Math.max(1, min); step < widths.length; step++) {
    let fits = true;
    for (let i = 0; i + step < widths.length && fits; i += step) fits = (widths[i] + widths[i + step]) / 2 + gap <= step * pitch;
    if (fits) return step;
  }
  return Math.max(1, widths.length);
}

/** Available CSS width of a box (at least `min`). */
export function widthOf(box, min = 240) {
  return Math.max(min, Math.floor(box.clientWidth || min));
}

/** A canvas showing one 28×28 image (`pixels` from `offset`), drawn pixelated and upscaled by CSS. */
export function digitCanvas(pixels, offset = 0, className = 'digit') {
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  canvas.className = className;
  paintDigit(canvas, pixels, offset);
  return canvas;
}

/** Paints a 28×28 image (ink bright on black, as the data stores it) onto a 28×28 canvas. */
export function paintDigit(canvas, pixels, offset = 0) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = pixels[offset + i] ?? 0;
    img.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** The PNG of a canvas, as a Blob. */
export function canvasBlob(canvas) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error(t('canvas.pngError')))), 'image/png'));
}
