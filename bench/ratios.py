#!/usr/bin/env python3
"""Prints one steps/s table from the benchmark JSON files in a folder (native.json, torch-*.json,
deno-*.json, browser.json) and the ratios the issue's goals are stated in.

    python3 bench/ratios.py results/bench/device
"""
import json
import pathlib
import sys


def rows(folder):
    out = {}
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        doc = json.loads(path.read_text())
        for r in doc.get("rows", []):
            if "stepsPerSecond" in r:
                out[(r["backend"], r["workload"])] = r["stepsPerSecond"]
        for c in doc.get("cells", []):
            if "stepsPerSecond" in c:
                name = ("wasm-" if c["impl"] == "ours" else "tfjs-") + c["backend"]
                out[(name, c["workload"])] = c["stepsPerSecond"]
    return out


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "results/bench"
    r = rows(folder)
    if not r:
        sys.exit(f"no benchmark rows in {folder}")
    backends = sorted({b for b, _ in r})
    workloads = sorted({w for _, w in r}, key=lambda w: (w.startswith("cnn"), len(w), w))
    print(f"{'steps/s':<22}" + "".join(f"{b:>20}" for b in backends))
    for w in workloads:
        print(f"{w:<22}" + "".join(f"{r[(b, w)]:>20.1f}" if (b, w) in r else f"{'–':>20}" for b in backends))
    pairs = [("wgpu", "torch-cuda", "native wgpu / PyTorch CUDA (goal ≥ 0.5 at b1024)"),
             ("wgpu-tuned", "wgpu", "native wgpu with fusion + autotune / without"),
             ("wasm-webgpu-deno", "wgpu", "wasm WebGPU in Deno / native wgpu (goal ≥ 0.5 at b256)"),
             ("flex", "torch-cpu", "native flex (CPU) / PyTorch CPU"),
             ("wasm-cpu", "tfjs-wasm", "wasm CPU / TF.js wasm (goal ≥ 1.5)"),
             ("wasm-webgpu", "tfjs-webgpu", "wasm WebGPU / TF.js webgpu (goal ≥ 1)")]
    print()
    for a, b, what in pairs:
        vals = [f"{w} {r[(a, w)] / r[(b, w)]:.2f}×" for w in workloads if (a, w) in r and (b, w) in r]
        if vals:
            print(f"{what}: " + ", ".join(vals))


if __name__ == "__main__":
    main()
