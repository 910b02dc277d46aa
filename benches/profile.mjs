// Where the time goes: runs one edge-session flow in a loop under V8's CPU
// profiler, on a build of the bench wasm that keeps its function names, and
// prints self time per function (wasm and JS) and per group.
//
//   node benches/profile.mjs [sealed|signed|spilled-16k|spilled-64k|spilled-200k] [change|load|read] [iterations]
//   BENCH_PROFILE_CRYPTO=node|web|wasm node benches/profile.mjs ...   (bulk AES-GCM on
//       node:crypto, as the Node entry; WebCrypto, as workerd; or wasm software)
//   BENCH_PROFILE_DIR=folder node benches/profile.mjs ...   (another build)
//
// The profiling build is target/bench/profiling/: the bench cargo output
// through wasm-bindgen (names kept) and the package's wasm-opt flags plus -g,
// so the code is the shipped code with names. Writes the raw profile to
// target/bench/profile-<mode>-<op>.cpuprofile (open it in Chrome DevTools).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildBenchWasm, OUT, ROOT, TESTS_MODULES, wasmOptFlags } from "./build.mjs";
import * as nodeCryptoModule from "node:crypto";
import { MAX_AGE, SECRET, sessionData, sessionOfSize } from "./fixture.mjs";

const [mode = "sealed", op = "change", iterations = "3000"] = process.argv.slice(2);
const spilled = mode.match(/^spilled-(\d+)k$/);

function profilingBuild() {
  buildBenchWasm({ log: (m) => process.stderr.write(m + "\n") });
  const raw = join(OUT, "cargo/wasm32-unknown-unknown/release/edge_session_floor.wasm");
  const dir = join(OUT, "profiling");
  const wasm = join(dir, "edge_session_bg.wasm");
  if (!existsSync(wasm) || statSync(wasm).mtimeMs < statSync(raw).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    execFileSync("wasm-bindgen", ["--target", "web", "--out-dir", dir, "--out-name", "edge_session", "--no-typescript", raw], { cwd: ROOT });
    execFileSync(join(TESTS_MODULES, ".bin/wasm-opt"), [...wasmOptFlags(), "-g", wasm, "-o", wasm], { cwd: ROOT });
    execFileSync(process.execPath, [join(ROOT, "js/build/finish-glue.mjs"), dir, "edge_session"], { cwd: ROOT });
  }
  for (const f of ["core.js", "crypto.js", "stores.js", "internal.js"]) copyFileSync(join(ROOT, "js", f), join(dir, f));
  return dir;
}

/** A coarse group for a function, to see the split at a glance. */
function group(name, url) {
  if (url.startsWith("wasm://") || /^\$?[a-z_].*::|^<|^\$func/.test(name)) {
    if (/aes|polyval|ghash|gcm|cipher|ctr/i.test(name)) return "wasm: AES-GCM";
    if (/sha2|hmac|hkdf|compress256|digest/i.test(name)) return "wasm: SHA-256/HMAC";
    if (/base64/i.test(name)) return "wasm: base64";
    if (/serde_json|payload|IgnoredAny/i.test(name)) return "wasm: JSON check/scan";
    if (/dlmalloc|alloc|realloc|__rust_|memcpy|memmove|memset/i.test(name)) return "wasm: alloc/memcpy";
    if (/getrandom|random/i.test(name)) return "wasm: randomness";
    return "wasm: other (codec logic, export shims)";
  }
  if (/edge_session\.js/.test(url)) return "JS: wasm-bindgen glue";
  if (/core\.js/.test(url)) return "JS: driver (core.js)";
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)" || name === "(idle)") return "(program/idle)";
  return `JS: ${name || "(anonymous)"}`;
}

// BENCH_PROFILE_DIR: profile another build (a folder with edge_session.js,
// edge_session_bg.wasm with names, core.js), e.g. one with a change being tried.
const dir = process.env.BENCH_PROFILE_DIR ?? profilingBuild();
const glue = await import(pathToFileURL(join(dir, "edge_session.js")).href);
glue.initSync({ module: readFileSync(join(dir, "edge_session_bg.wasm")) });
const internalModule = await import(pathToFileURL(join(dir, "internal.js")).href);
internalModule.useGlue(glue, false);
const cryptoModule = await import(pathToFileURL(join(dir, "crypto.js")).href);
internalModule.internal.crypto = {
  node: cryptoModule.nodeCrypto(nodeCryptoModule),
  web: cryptoModule.webCrypto(),
  wasm: null,
}[process.env.BENCH_PROFILE_CRYPTO ?? "node"];
const core = await import(pathToFileURL(join(dir, "core.js")).href);
const stores = await import(pathToFileURL(join(dir, "stores.js")).href);
const sessions = core.createSessionStorage({
  secrets: [SECRET],
  mode: spilled ? "sealed" : mode,
  maxAge: MAX_AGE,
  ...(spilled ? { store: stores.memoryStore() } : {}),
});
const fresh = await sessions.load("");
for (const [k, v] of Object.entries(spilled ? sessionOfSize(Number(spilled[1]) * 1024) : sessionData())) fresh.set(k, v);
let cookie = (await sessions.save(fresh))[0].split(";")[0];

const flow = {
  load: async () => sessions.load(cookie),
  change: async () => {
    const s = await sessions.load(cookie);
    s.get("cart")[0].qty += 1;
    cookie = (await sessions.save(s))[0].split(";")[0];
  },
  read: async () => {
    const s = await sessions.load(cookie);
    s.get("user");
    await sessions.save(s);
  },
}[op];
const n = Number(iterations);
for (let i = 0; i < 300; i++) await flow();

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 50 });
await session.post("Profiler.start");
const t0 = performance.now();
for (let i = 0; i < n; i++) await flow();
const elapsed = performance.now() - t0;
const { profile } = await session.post("Profiler.stop");
session.disconnect();
writeFileSync(join(OUT, `profile-${mode}-${op}.cpuprofile`), JSON.stringify(profile));

// Self time per node, from the sample counts.
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = profile.samples.length;
const byFn = new Map();
const byGroup = new Map();
for (const node of profile.nodes) {
  const c = counts.get(node.id) ?? 0;
  if (!c) continue;
  const { functionName, url } = node.callFrame;
  const name = (functionName || "(anonymous)").replace(/::h[0-9a-f]{16}$/, "");
  const key = `${name}  [${url.startsWith("wasm://") ? "wasm" : url.split("/").pop() || "native"}]`;
  byFn.set(key, (byFn.get(key) ?? 0) + c);
  const g = group(name, url);
  byGroup.set(g, (byGroup.get(g) ?? 0) + c);
}
const perOp = (c) => ((c / total) * elapsed * 1000) / n;
const show = (m, k) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${perOp(c).toFixed(2).padStart(7)} µs/op  ${name}`)
    .join("\n");
console.log(`edge-session ${mode}, ${op}: ${((elapsed * 1000) / n).toFixed(1)} µs/op over ${n} iterations (profiler on)\n`);
console.log("By group (self time):\n" + show(byGroup, 20) + "\n");
console.log("Top functions (self time):\n" + show(byFn, 40));
