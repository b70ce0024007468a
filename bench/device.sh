#!/usr/bin/env bash
# The GPU half of the benchmark, for a session lent a GPU machine (no network there, no Rust, no browser).
# In one call, on the same GPU: the self-check of our kernels against the CPU's numbers, PyTorch eager CUDA, our
# native wgpu step (with our kernels, with burn's, and with burn's fusion and autotune), our wasm through Deno's
# WebGPU (with the kernels it launches), and the ratios.
#
# Prepare on the dev machine:  make device-kit          (bench/kit/: the CLIs, Deno and the wasm, xz-compressed)
# Run with the device tool:    command "bash bench/device.sh", carry ["bench/kit"] (about 60 MB of the 64 MiB allowed)
# Results land in $OUT (the tool's output folder) or results/bench/device/.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-results/bench/device}
QUICK=${QUICK:-}
mkdir -p "$OUT"
KIT=bench/kit
for f in distill-lab distill-lab-tuned deno; do
  [ -x "$KIT/$f" ] || { xz -dkc "$KIT/$f.xz" > "$KIT/$f" && chmod +x "$KIT/$f"; } || echo "missing $KIT/$f.xz: run make device-kit"
done
# The WebGPU wasm build (pkg/ is not in git; the kit carries it).
if [ ! -f pkg/distill_lab_bg.wasm ]; then
  mkdir -p pkg && cp "$KIT/distill_lab.js" pkg/ && xz -dkc "$KIT/distill_lab_bg.wasm.xz" > pkg/distill_lab_bg.wasm
fi
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  echo "--- PyTorch eager"
  python3 bench/torch_step.py --device cuda ${QUICK:+--quick} --out "$OUT/torch-cuda.json" 2>&1 || echo "PyTorch failed"
  echo "--- our kernels on this GPU against the CPU's numbers (the page's self-check: an MLP and a CNN step)"
  "$KIT/distill-lab" self-check --backend wgpu --against www/models/self-check.json --out "$OUT/self-check.json" 2>&1 \
    || echo "self-check FAILED"
  echo "--- native burn-wgpu, with our kernels and with burn's"
  "$KIT/distill-lab" bench --backends wgpu,wgpu-burn ${QUICK:+--quick} --out "$OUT" 2>&1 || echo "native wgpu failed"
  echo "--- native burn-wgpu with fusion and autotune"
  "$KIT/distill-lab-tuned" bench --backends wgpu --tag tuned ${QUICK:+--quick} --out "$OUT" 2>&1 || echo "tuned wgpu failed"
  echo "--- wasm through Deno's WebGPU"
  XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} "$KIT/deno" run -A --unstable-webgpu bench/deno-bench.mjs ${QUICK:+--quick} \
    --out "$OUT/deno-webgpu.json" 2>&1 || echo "Deno WebGPU failed"
  echo "--- the wasm's kernels and grids on this GPU (784-800-800-10, and the CNN)"
  for b in 256 1024; do
    XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} "$KIT/deno" run -A --unstable-webgpu bench/deno-kernels.mjs --batch $b \
      --out "$OUT/kernels-b$b.json" 2>&1 || echo "kernel listing failed"
  done
  XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} "$KIT/deno" run -A --unstable-webgpu bench/deno-kernels.mjs \
    --student cnn:8,16,64 --batch 64 --out "$OUT/kernels-cnn-b64.json" 2>&1 || echo "kernel listing failed"
  echo "--- ratios"
  python3 bench/ratios.py "$OUT"
} 2>&1 | tee "$OUT/device.log"
