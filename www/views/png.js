// The PNG buttons beside the charts: each downloads its chart's canvas.

import { t } from '../i18n.js';
import { canvasBlob } from './canvas.js';
import { downloadBlob } from '../download.js';

/** @param {() => Record<string, HTMLCanvasElement>} sources the canvases by the buttons' data-png names */
export function wirePngButtons(sources, onError) {
  for (const button of document.querySelectorAll('button.png[data-png]')) {
    const name = button.dataset.png;
    button.textContent = t('png.button');
    button.setAttribute('aria-label', t('png.label', { name: t(`png.names.${name}`) }));
    button.addEventListener('click', async () => {
      try {
        downloadBlob(await canvasBlob(sources()[name]), `distill-lab-${name}.png`);
      } catch (e) {
        onError(t('png.failed', { message: e.message }));
      }
    });
  }
}
