// The lab's Content-Security-Policy, in one place: tools/serve.mjs sends it as a header, tools/dist.mjs writes it into
// dist/index.html as a <meta http-equiv> for static hosts that cannot set headers.

/**
 * The policy as a header value.
 * @param {{bench?: boolean, meta?: boolean}} [opts] bench: the benchmark page's extra sources (TF.js evaluates
 *   strings and starts its threaded wasm workers from blob: URLs, all still this origin); meta: only the directives a
 *   <meta> element can carry (browsers ignore frame-ancestors there and warn about it in the console).
 */
export function contentSecurityPolicy({ bench = false, meta = false } = {}) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${bench ? " 'unsafe-eval' blob:" : ''}`,
    `worker-src 'self'${bench ? ' blob:' : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "base-uri 'self'",
    ...(meta ? [] : ["frame-ancestors 'none'"]),
  ].join('; ');
}

/** The policy of error responses (plain text): nothing may load, nothing may frame them. */
export const ERROR_POLICY = "default-src 'none'; frame-ancestors 'none'";
