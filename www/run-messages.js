// The current run's messages from the worker (tagged with its runId; main.js drops stale ones), drawn: losses and
// progress, the data-free generator's grid, evaluations, a pause and its reason, the end of the run.

import { t, num } from './i18n.js';
import { formatAccuracy } from './views/results.js';

/**
 * The views that draw a run, and `page`: {state(): the page's state, pausing(): a pause is pending, epochs(): the
 * run's epochs, setState(next, text)}. Returns onRunMessage(msg): true when it handled msg.
 */
export function createRunMessages({ charts, discriminator, status, generated, race, formula, results, missing, explorer,
  why, lessonCtx, page }) {
  return function onRunMessage(msg) {
    switch (msg.status) {
      case 'progress': {
        const losses = msg.losses || [];
        if (losses.length) charts.addLosses(msg.step - losses.length + 1, losses, msg.baselineLosses);
        if (msg.discriminator?.length) discriminator.add(msg.step - msg.discriminator.length + 1, msg.discriminator);
        charts.setTotalSteps(msg.totalSteps);
        status.setProgress({
          step: msg.step,
          totalSteps: msg.totalSteps,
          epoch: `${msg.epoch + 1} / ${page.epochs()}`, // the wasm counts epochs from 0
          lastLoss: losses.length ? losses[losses.length - 1] : undefined,
          stepsPerSec: msg.stepsPerSec,
        });
        if (page.state() === 'running' && !page.pausing()) {
          status.setText(t('status.training', { step: num(msg.step), total: num(msg.totalSteps) }));
        }
        return true;
      }
      case 'generated':
        generated.draw(msg.images, msg.step);
        return true;
      case 'eval':
        // For tools/bench.mjs (time to accuracy): the latest evaluation, readable without parsing the chart.
        document.body.dataset.testAccuracy = String(msg.testAccuracy);
        charts.addEval(msg.step, msg.testAccuracy, msg.baseline ? msg.baseline.testAccuracy : null);
        race.addEval(msg);
        formula.show(msg);
        return true;
      case 'paused': {
        const text = msg.reason && msg.reason !== 'paused' ? t('status.pausedWhy', { reason: msg.reason }) : t('status.paused');
        if (msg.reason && msg.reason !== 'paused') {
          status.notice(msg.reason, 'error');
          lessonCtx.onFail(msg.reason);
        }
        page.setState('paused', text);
        return true;
      }
      case 'done':
        charts.flush();
        results.showFinal(msg);
        race.show(msg);
        missing.show(msg.students);
        explorer.refresh();
        why.refresh();
        page.setState('done', t('status.done', { accuracy: formatAccuracy(msg.testAccuracy), errors: num(msg.testErrors) }));
        return true;
      default:
        return false;
    }
  };
}
