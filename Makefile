# distill-lab — `make serve` builds everything and serves the lab; `make test` runs every test.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/distill-lab/target
TOOLS ?= $(HOME)/.cache/distill-lab/tools
WASM_BINDGEN_VERSION := 0.2.130
WASM_BINDGEN := $(TOOLS)/bin/wasm-bindgen
WASM := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm/distill_lab.wasm
CLI := $(CARGO_TARGET_DIR)/debug/distill-lab
PORT ?= 8080

.PHONY: all serve test test-native test-e2e fuzz wasm tools build-deps system-deps dist lint bench bench-quick device-kit teacher teacher-mnist teacher-mnist-mlp teacher-fashion clean

all: wasm

## Pinned tools: the wasm32 target, wasm-bindgen-cli $(WASM_BINDGEN_VERSION), npm packages from the lock file.
tools: build-deps $(WASM_BINDGEN) node_modules/.package-lock.json
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

$(WASM_BINDGEN):
	# --locked first; its lock file names webpki-roots 1.0.11, which the registry no longer serves,
	# so fall back to resolving the (semver-compatible) dependencies afresh.
	cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --locked --root $(TOOLS) || \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --root $(TOOLS)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

## The browser builds (profile `wasm` in Cargo.toml: size first, LTO), through wasm-bindgen without the name and
## producers sections: pkg/ with WebGPU only, pkg-cpu/ with the CPU backend only (for browsers without WebGPU, or
## where it fails). Both come from the same target file, so each is bound right after its build.
WASM_BINDGEN_FLAGS := --target web --no-typescript --remove-name-section --remove-producers-section
wasm: tools
	cargo build --lib --profile wasm --target wasm32-unknown-unknown --no-default-features --features webgpu
	$(WASM_BINDGEN) $(WASM_BINDGEN_FLAGS) --out-dir pkg $(WASM)
	cargo build --lib --profile wasm --target wasm32-unknown-unknown
	$(WASM_BINDGEN) $(WASM_BINDGEN_FLAGS) --out-dir pkg-cpu $(WASM)
	@for p in pkg pkg-cpu; do \
	  echo "$$(stat -c %s $$p/distill_lab_bg.wasm) $$(gzip -9 -c $$p/distill_lab_bg.wasm | wc -c)" | \
	    awk -v p=$$p '{printf "%s/distill_lab_bg.wasm: %.1f MB raw, %.2f MB gzip\n", p, $$1/1e6, $$2/1e6}'; \
	done

serve: wasm
	node tools/serve.mjs --port $(PORT)

## The published build: dist/, one folder for any static host at any path (tools/dist.mjs; see the README's
## "Publishing"). DIST_FLAGS=--precompress adds .br/.gz siblings for hosts that serve them.
dist: wasm
	node tools/dist.mjs --out dist $(DIST_FLAGS)

## What building (a C linker) and the tests (also chromium, lavapipe, python3) need from the system: installed through
## apt-get as root, else the exact command is printed (tools/system-deps.sh).
build-deps:
	bash tools/system-deps.sh build

system-deps:
	bash tools/system-deps.sh test

test: test-native wasm test-e2e

test-native: system-deps
	cargo test --all-targets --no-fail-fast

test-e2e: tools system-deps
	node --test --test-concurrency=1 tests/e2e/

## Mutation fuzzing of every parser of outside bytes: tests/fuzz.rs (IDX and gzip, safetensors weights and logits, the
## int8 file, the teacher's feature-statistics JSON, a file's architecture text; FUZZ_EXECS each) and
## tests/e2e/fuzz.test.mjs (the URL hash, the results files; FUZZ_EXECS_JS each): 8,400,000 executions by default,
## each loader printing its count and time. `make test` runs the same tests with 20,000 (Rust) and 3,000 (JS) each.
FUZZ_EXECS ?= 1000000
FUZZ_EXECS_JS ?= 200000
fuzz:
	FUZZ_EXECS=$(FUZZ_EXECS) cargo test --test fuzz -- --nocapture --test-threads=2
	FUZZ_EXECS=$(FUZZ_EXECS_JS) node --test tests/e2e/fuzz.test.mjs

lint: tools
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo check --features gpu-tuned
	cargo clippy --profile wasm --lib --target wasm32-unknown-unknown --no-default-features --features webgpu -- -D warnings
	cargo clippy --profile wasm --lib --target wasm32-unknown-unknown -- -D warnings

## Benchmarks (not part of make test): native steps/s on each backend, PyTorch on the CPU where it is installed, our
## wasm through Deno's WebGPU on this machine's adapter (lavapipe here, beside native wgpu on the same adapter) with the
## kernels it launches for 784-800-800-10, then
## the browser run (ours vs TF.js 4.22, sizes, bytes before Start, time to 97 %). Tables on stdout, JSON under
## results/bench/, and one table of every ratio at the end.
DENO_VERSION := 2.9.6
DENO := $(TOOLS)/deno/node_modules/@deno/linux-x64-glibc/deno
BENCH_OUT ?= results/bench

$(DENO):
	npm install --prefix $(TOOLS)/deno --no-audit --no-fund --no-save @deno/linux-x64-glibc@$(DENO_VERSION)

bench: wasm $(CLI) $(DENO)
	$(CLI) bench $(BENCH_FLAGS) --out $(BENCH_OUT)
	@if python3 -c 'import torch' 2>/dev/null; then \
	  python3 bench/torch_step.py --device cpu $(BENCH_FLAGS) --out $(BENCH_OUT)/torch-cpu.json; \
	  else echo "PyTorch not installed: skipping the PyTorch CPU reference (pip install torch)"; fi
	XDG_RUNTIME_DIR=$${XDG_RUNTIME_DIR:-/tmp} $(DENO) run -A --unstable-webgpu bench/deno-bench.mjs $(BENCH_FLAGS) \
	  --out $(BENCH_OUT)/deno-webgpu.json
	for b in 256 1024; do XDG_RUNTIME_DIR=$${XDG_RUNTIME_DIR:-/tmp} $(DENO) run -A --unstable-webgpu \
	  bench/deno-kernels.mjs --batch $$b --out $(BENCH_OUT)/kernels-b$$b.json || exit 1; done
	XDG_RUNTIME_DIR=$${XDG_RUNTIME_DIR:-/tmp} $(DENO) run -A --unstable-webgpu bench/deno-kernels.mjs \
	  --student cnn:8,16,64 --batch 64 --out $(BENCH_OUT)/kernels-cnn-b64.json
	node tools/bench.mjs $(BENCH_FLAGS) --out $(BENCH_OUT)
	node tools/bench-own.mjs $(BENCH_FLAGS) --out $(BENCH_OUT)
	python3 bench/ratios.py $(BENCH_OUT)

## The inner-loop version: two workloads, shorter timings, results under results/bench/quick/.
bench-quick:
	$(MAKE) bench BENCH_FLAGS=--quick BENCH_OUT=results/bench/quick

## What bench/device.sh needs on a GPU machine (which has no network and no Rust): the CLIs and Deno, xz-compressed.
## A second CLI built with burn's fusion and autotune (feature gpu-tuned) is packed beside the plain one.
device-kit: wasm $(CLI) $(DENO)
	mkdir -p bench/kit
	strip -o bench/kit/distill-lab $(CLI)
	cargo build --bin distill-lab --features gpu-tuned
	strip -o bench/kit/distill-lab-tuned $(CLI)
	cargo build --bin distill-lab
	xz -T0 -6 -f bench/kit/distill-lab bench/kit/distill-lab-tuned
	xz -T0 -6 -c $(DENO) > bench/kit/deno.xz
	xz -T0 -6 -c pkg/distill_lab_bg.wasm > bench/kit/distill_lab_bg.wasm.xz
	cp pkg/distill_lab.js bench/kit/
	@du -ch bench/kit/* | tail -1
	@echo "carry [\"bench/kit\"] (under the device tool's 64 MiB); run: bash bench/device.sh"

## Bundled teachers (native CLI, CPU): weights, logits and model cards under www/models/.
teacher: teacher-mnist teacher-fashion teacher-mnist-mlp

$(CLI): $(shell find src -name '*.rs') Cargo.toml
	cargo build --bin distill-lab

teacher-mnist: $(CLI)
	$(CLI) train-teacher --dataset mnist --arch cnn:32,64,256 --epochs 6 --seed 1

## The second MNIST teacher (multi-teacher distillation): Hinton's 784-1200-1200-10 with dropout and jitter.
teacher-mnist-mlp: $(CLI)
	$(CLI) train-teacher --dataset mnist --arch mlp:1200,1200 --epochs 12 --dropout 0.3 --jitter 2 --seed 1 --name mnist-mlp-teacher

teacher-fashion: $(CLI)
	$(CLI) train-teacher --dataset fashion --arch cnn:32,64,256 --epochs 8 --jitter 0 --seed 1

clean:
	rm -rf pkg pkg-cpu artifacts dist
