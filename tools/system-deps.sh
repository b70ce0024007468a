#!/usr/bin/env bash
# What the Makefile needs from the system, checked (and installed through apt-get when run as root) before it starts:
#
#   tools/system-deps.sh build   (make tools, so make serve and make wasm)
#     gcc, libc6-dev       the linker Rust calls (cc)
#   tools/system-deps.sh test    (make test) all of the above, and
#     chromium             the browser tests (Debian's package, /usr/bin/chromium; Playwright cannot download one here)
#     mesa-vulkan-drivers  lavapipe, the software Vulkan driver the native WebGPU tests run on
#     python3              the plain static server of the published-build test (tests/e2e/dist.test.mjs)
#                          and tools/export_teacher.py in tests/export_script.rs (standard library only)
#
# Rust (rustup) and Node.js >= 20 with npm must be there already: without them this script says how to get them.
# Not root: prints the exact command to run and fails.
set -euo pipefail
mode=${1:-test}

fail() { echo "system-deps: $*" >&2; exit 1; }

# Rust and Node: not from apt (Debian's rustc has no wasm32 target through rustup, bookworm's nodejs is 18).
command -v cargo >/dev/null && command -v rustup >/dev/null ||
  fail "Rust is missing: install rustup (https://rustup.rs: curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y), then open a new shell"
command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js >= 20 with npm is missing (https://nodejs.org or your distribution's nodejs 20+ package)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  fail "Node.js $(node --version) is too old: the tests need >= 20"

missing=()
command -v cc >/dev/null || missing+=(gcc libc6-dev)
if [ "$mode" = test ]; then
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
  compgen -G '/usr/share/vulkan/icd.d/lvp_icd.*.json' >/dev/null || missing+=(mesa-vulkan-drivers)
  command -v python3 >/dev/null || missing+=(python3)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
command -v apt-get >/dev/null || fail "missing ${missing[*]}, and there is no apt-get here: install them with your package manager"
if [ "$(id -u)" -ne 0 ]; then
  fail "missing ${missing[*]}. Install them as root, then run make test again:
  sudo sh -c '$cmd'"
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
