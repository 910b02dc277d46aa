// Builds what the benchmarks need beside the shipped package (pkg/, built by
// `make package`):
//   target/bench/pkg/     the bench wasm: the codec plus the bare primitives
//                         (the crate benches/floor-wasm), wasm-bindgen --target web,
//                         then the same wasm-opt pass as the package
//   target/bench/noswb/   the bench wasm without its serde-wasm-bindgen
//                         exports (--cfg edge_session_bench_no_swb, cargo in
//                         target/bench/cargo-noswb), same passes: the
//                         boundary section's size comparison
//   target/bench/names/   the shipped wasm with its names kept, for twiggy
//   target/bench/*.mjs    esbuild bundles of the peers for Node and workerd
// Cargo builds in its own target dir (target/bench/cargo) so it never
// overwrites the artifact `make package` reads in target/wasm32-unknown-unknown.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const OUT = join(ROOT, "target/bench");
export const PKG = join(ROOT, "pkg");
export const BENCH_PKG = join(OUT, "pkg");
export const TESTS_MODULES = join(ROOT, "tests/node_modules");
const WASM_TARGET = "wasm32-unknown-unknown";
const BENCH_CARGO = join(OUT, "cargo");
// The bench crate: the codec as a dependency, the primitives beside it.
const FLOOR_CRATE = join(ROOT, "benches/floor-wasm");

function run(cmd, args, opts = {}) {
  const env = { ...(opts.env ?? process.env) };
  // As the Makefile: it would turn multi-value returns back on (js/build/single-returns.mjs).
  delete env.WASM_BINDGEN_MULTI_VALUE;
  execFileSync(cmd, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], ...opts, env });
}

/** The wasm-opt flags of the Makefile, so the bench wasm is optimised like the package. */
export function wasmOptFlags() {
  const make = readFileSync(join(ROOT, "Makefile"), "utf8");
  const m = make.match(/^WASM_OPT_FLAGS\s*:=((?:.*\\\n)*.*)$/m);
  if (!m) throw new Error("bench: WASM_OPT_FLAGS not found in the Makefile");
  return m[1].replace(/\\\n/g, " ").trim().split(/\s+/);
}

/** The rustc flags the Makefile builds the package's wasm with, so the bench wasm is compiled alike. */
export function wasmRustFlags() {
  const make = readFileSync(join(ROOT, "Makefile"), "utf8");
  const value = (name) => make.match(new RegExp(`^${name}\\s*:=(.*)$`, "m"))?.[1] ?? "";
  // One level of $(VAR), and the quotes the shell would unescape, as the Makefile writes them.
  const flags = value("WASM_RUSTFLAGS")
    .replace(/\$\((\w+)\)/g, (_, name) => value(name))
    .replace(/\\"/g, '"');
  return flags.trim().split(/\s+/).filter(Boolean);
}

const wasmOpt = () => join(TESTS_MODULES, ".bin/wasm-opt");

/**
 * The cargo output with single-value returns, as `make package` gives
 * wasm-bindgen (js/build/single-returns.mjs), written to `out` (never where the
 * package's build reads).
 */
function singleReturns(raw, out) {
  run(process.execPath, [join(ROOT, "js/build/single-returns.mjs"), raw, out]);
  return out;
}

/** The newest of the build steps after cargo: a change to one rebuilds the bench wasm. */
const pipelineTime = () => Math.max(mtime(join(ROOT, "Makefile")), mtime(join(ROOT, "js/build/single-returns.mjs")));

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/**
 * cargo (the crate benches/floor-wasm) in `cargoDir`, then wasm-bindgen --target web and the
 * package's wasm-opt flags into `pkgDir`, unless that is up to date.
 */
function buildBench({ cargoDir, pkgDir, rustflags = [] }) {
  const env = { ...process.env, CARGO_TARGET_DIR: cargoDir };
  env.RUSTFLAGS = [process.env.RUSTFLAGS ?? "", ...wasmRustFlags(), ...rustflags].join(" ").trim();
  run(
    "cargo",
    ["build", "--lib", "--release", "--target", WASM_TARGET],
    { cwd: FLOOR_CRATE, env, stdio: ["ignore", "ignore", "inherit"] },
  );
  const raw = join(cargoDir, WASM_TARGET, "release/edge_session_floor.wasm");
  const wasm = join(pkgDir, "edge_session_bg.wasm");
  if (mtime(wasm) < Math.max(mtime(raw), pipelineTime())) {
    mkdirSync(pkgDir, { recursive: true });
    const single = singleReturns(raw, join(pkgDir, "input.single.wasm"));
    run("wasm-bindgen", ["--target", "web", "--out-dir", pkgDir, "--out-name", "edge_session", "--no-typescript", single]);
    run(wasmOpt(), [...wasmOptFlags(), wasm, "-o", wasm]);
    run(process.execPath, [join(ROOT, "js/build/finish-glue.mjs"), pkgDir, "edge_session"]);
  }
  return pkgDir;
}

let benchBuilt = false;

/** Builds target/bench/pkg (codec + primitives) unless it is up to date; once per run. */
export function buildBenchWasm({ log = console.error } = {}) {
  if (benchBuilt) return BENCH_PKG;
  log("bench: building the bench wasm (benches/floor-wasm)");
  buildBench({ cargoDir: BENCH_CARGO, pkgDir: BENCH_PKG });
  // The JS driver (from js/, built from the same tree as this wasm) over the
  // bench glue, so loadSession runs on this module too.
  for (const f of ["core.js", "crypto.js", "stores.js", "internal.js"]) copyFileSync(join(ROOT, "js", f), join(BENCH_PKG, f));
  benchBuilt = true;
  return BENCH_PKG;
}

/**
 * The bench wasm without the serde-wasm-bindgen exports (benches/floor-wasm under
 * --cfg edge_session_bench_no_swb), built like target/bench/pkg in its own
 * cargo dir: target/bench/noswb. The first build compiles every dependency
 * again (about a minute); later ones only what changed.
 */
export function buildBenchWasmNoSwb({ log = console.error } = {}) {
  log("bench: building the bench wasm without serde-wasm-bindgen (--cfg edge_session_bench_no_swb)");
  return buildBench({
    cargoDir: join(OUT, "cargo-noswb"),
    pkgDir: join(OUT, "noswb"),
    rustflags: ["--cfg", "edge_session_bench_no_swb"],
  });
}

/**
 * The shipped wasm with names kept: wasm-bindgen (which keeps the name
 * section) and the package's wasm-opt flags plus -g. Made from the cargo
 * output `make package` used; `fresh` says whether it still matches pkg/.
 */
export function buildNamesKept({ log = console.error } = {}) {
  const raw = join(ROOT, "target", WASM_TARGET, "release/edge_session.wasm");
  if (!existsSync(raw)) return null;
  const dir = join(OUT, "names");
  const wasm = join(dir, "edge_session_bg.wasm");
  if (mtime(wasm) < Math.max(mtime(raw), pipelineTime())) {
    log("bench: names-kept build of the shipped wasm");
    mkdirSync(dir, { recursive: true });
    const single = singleReturns(raw, join(dir, "input.single.wasm"));
    run("wasm-bindgen", ["--target", "web", "--out-dir", dir, "--out-name", "edge_session", "--no-typescript", single]);
    run(wasmOpt(), [...wasmOptFlags(), "-g", wasm, "-o", wasm]);
  }
  return { wasm, fresh: mtime(raw) <= mtime(join(PKG, "edge_session_bg.wasm")) + 1 };
}

/** Imports a dev dependency installed under tests/ (bare names do not resolve from benches/). */
export async function fromTests(name) {
  const require = createRequire(join(TESTS_MODULES, "..", "package.json"));
  return import(pathToFileURL(require.resolve(name)).href);
}

const esbuild = () => fromTests("esbuild");

/** Bundles the peers for Node: target/bench/peers.node.mjs. */
export async function bundlePeersForNode() {
  const out = join(OUT, "peers.node.mjs");
  const { build } = await esbuild();
  await build({
    entryPoints: [join(ROOT, "benches/peers.mjs")],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    nodePaths: [TESTS_MODULES],
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: "error",
  });
  return out;
}

/**
 * Bundles a Worker entry for workerd (conditions workerd, worker, browser) into
 * target/bench/<name>/worker.mjs, with the package's .wasm beside it as a module.
 */
export async function bundleWorker(entry, name, { wasm = true } = {}) {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const { build } = await esbuild();
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile: join(dir, "worker.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    nodePaths: [TESTS_MODULES],
    external: ["*.wasm", "node:*"],
    logLevel: "error",
  });
  const modules = [{ type: "ESModule", path: join(dir, "worker.mjs") }];
  if (wasm) {
    copyFileSync(join(PKG, "edge_session_bg.wasm"), join(dir, "edge_session_bg.wasm"));
    modules.push({ type: "CompiledWasm", path: join(dir, "edge_session_bg.wasm") });
  }
  return { dir, modules };
}

/** Writes `text` to `path`, creating its folder. */
export function writeText(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
