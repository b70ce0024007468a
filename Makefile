# distill-lab — `make serve` builds everything and serves the lab; `make test` runs every test.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/distill-lab/target
TOOLS ?= $(HOME)/.cache/distill-lab/tools
WASM_BINDGEN_VERSION := 0.2.130
WASM_BINDGEN := $(TOOLS)/bin/wasm-bindgen
WASM := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm/distill_lab.wasm
CLI := $(CARGO_TARGET_DIR)/debug/distill-lab
PORT ?= 8080

.PHONY: all serve test test-native test-e2e wasm tools lint bench bench-quick teacher teacher-mnist teacher-mnist-mlp teacher-fashion clean

all: wasm

## Pinned tools: the wasm32 target, wasm-bindgen-cli $(WASM_BINDGEN_VERSION), npm packages from the lock file.
tools: $(WASM_BINDGEN) node_modules/.package-lock.json
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

$(WASM_BINDGEN):
	# --locked first; its lock file names webpki-roots 1.0.11, which the registry no longer serves,
	# so fall back to resolving the (semver-compatible) dependencies afresh.
	cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --locked --root $(TOOLS) || \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --root $(TOOLS)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

## The browser build: wasm (profile `wasm` in Cargo.toml: size first, LTO) → pkg/ via wasm-bindgen, without the
## name and producers sections (7.7 MB of the raw file).
wasm: tools
	cargo build --lib --profile wasm --target wasm32-unknown-unknown
	$(WASM_BINDGEN) --target web --no-typescript --remove-name-section --remove-producers-section --out-dir pkg $(WASM)
	@ls -l pkg/distill_lab_bg.wasm | awk '{printf "pkg/distill_lab_bg.wasm: %.1f MB raw, ", $$5/1e6}'
	@gzip -9 -c pkg/distill_lab_bg.wasm | wc -c | awk '{printf "%.2f MB gzip\n", $$1/1e6}'

serve: wasm
	node tools/serve.mjs --port $(PORT)

test: test-native wasm test-e2e

test-native:
	cargo test --all-targets --no-fail-fast

test-e2e: tools
	node --test --test-concurrency=1 tests/e2e/

lint: tools
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --release --lib --target wasm32-unknown-unknown -- -D warnings

## Benchmarks (not part of make test): native steps/s on each backend, PyTorch on the CPU where it is installed,
## then the browser run (ours vs TF.js 4.22, sizes, time to 97 %). Tables on stdout, JSON under results/bench/.
bench: wasm $(CLI)
	$(CLI) bench
	@if python3 -c 'import torch' 2>/dev/null; then python3 bench/torch_step.py --device cpu --out results/bench/torch-cpu.json; \
	  else echo "PyTorch not installed: skipping the PyTorch CPU reference (pip install torch)"; fi
	node tools/bench.mjs

## The inner-loop version: two workloads, shorter timings.
bench-quick: wasm $(CLI)
	$(CLI) bench --quick --out results/bench/quick
	@if python3 -c 'import torch' 2>/dev/null; then python3 bench/torch_step.py --device cpu --quick --out results/bench/quick/torch-cpu.json; fi
	node tools/bench.mjs --quick --out results/bench/quick

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
	rm -rf pkg artifacts
