// A plain static host for the published build's tests and measurements: Python's http.server (no special headers, no
// compression), and a record of what each response cost.
import { spawn } from 'node:child_process';

/**
 * python3 -m http.server on 127.0.0.1 serving `dir` (port 0: any free one); resolves once it listens.
 * @returns {Promise<{port: number, stop: () => Promise<void>}>}
 */
export function pythonServer(dir, port = 0) {
  const child = spawn('python3', ['-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    let stopped = null;
    const timer = setTimeout(() => fail(new Error(`http.server did not start: ${out}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const stop = () => {
        stopped ??= child.exitCode !== null ? Promise.resolve()
          : new Promise((done) => { child.once('exit', () => done()); child.kill('SIGTERM'); });
        return stopped;
      };
      ok({ port: Number(m[1]), stop });
    });
    child.stderr.on('data', () => {}); // its request log
    child.once('exit', (code) => fail(new Error(`http.server exited (${code}): ${out}`)));
  });
}

/**
 * Records every request of `context` from now on: its URL, start time, whether the service worker answered it, and
 * the bytes received for it (headers and body as sent); and the requests that failed.
 */
export function recordResponses(context) {
  const list = [];
  const failed = [];
  const onFinished = async (r) => {
    const response = await r.response().catch(() => null);
    const sizes = await r.sizes().catch(() => null);
    list.push({ url: r.url(), start: r.timing().startTime, fromServiceWorker: Boolean(response?.fromServiceWorker()),
      bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0 });
  };
  const onFailed = (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  context.on('requestfinished', onFinished);
  context.on('requestfailed', onFailed);
  return {
    list,
    failed,
    /** Bytes of the responses that came over the network (not from the service worker), started before `until`. */
    networkBytes: (until = Infinity) => list.filter((r) => !r.fromServiceWorker && r.start < until)
      .reduce((s, r) => s + r.bytes, 0),
    stop() {
      context.off('requestfinished', onFinished);
      context.off('requestfailed', onFailed);
    },
  };
}
