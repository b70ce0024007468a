// Where the large files live. The page names them by their logical paths (pkg/distill_lab_bg.wasm,
// data/mnist/train-images-idx3-ubyte.gz, models/mnist-teacher.safetensors, …). In development they are served there.
// In the published build, `make dist` (tools/dist.mjs) rewrites the BUILD line below in dist/assets.js: each large file
// gets a content-hashed name (a host's cache never serves a stale mix), and some are stored gzip-packed for the page
// to inflate itself (a plain static host sends them small without any Content-Encoding).

export const BUILD = { id: 'dev', files: {} };

const ROOT = new URL('./', import.meta.url);

/** The logical path of `url` relative to the site's root ('pkg/x.wasm'), or null for a URL outside it. */
function logical(url) {
  const u = new URL(url, ROOT);
  if (u.origin !== ROOT.origin || !u.pathname.startsWith(ROOT.pathname) || u.search) return null;
  return decodeURIComponent(u.pathname.slice(ROOT.pathname.length));
}

/**
 * Where to fetch the file named `url` (a string relative to the site's root, or an absolute URL), and whether its
 * bytes come gzip-packed.
 * @returns {{url: string, gzip: boolean}}
 */
export function locate(url) {
  const entry = BUILD.files[logical(url)];
  return entry ? { url: new URL(entry.path, ROOT).href, gzip: Boolean(entry.gzip) } : { url: String(url), gzip: false };
}

/** The URL to fetch or import for `url`. */
export const asset = (url) => locate(url).url;
