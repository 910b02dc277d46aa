// The boundary: why the bindings pass JSON strings, not JS objects through
// serde-wasm-bindgen. A session-like object goes from JS into a
// `serde_json::Value` in wasm and back, by the exports of benches/floor-wasm
// (target/bench/pkg), two ways:
//
//   json  JSON.stringify → &str → serde_json::from_str::<Value>
//         → serde_json::to_string → String → JSON.parse
//   swb   JsValue → serde_wasm_bindgen::from_value::<Value>
//         → serde_wasm_bindgen::to_value (json-compatible serializer) → JsValue
//
// Each is timed both ways (round trip) and one direction at a time (JS→wasm:
// the object in, parsed, dropped; wasm→JS: a Value held in wasm, out to a JS
// object), for three session sizes, in interleaved rounds (median µs/op).
//
// Size: the bench wasm is built a second time without the serde-wasm-bindgen
// exports (benches/build.mjs: --cfg edge_session_bench_no_swb; same features,
// same wasm-bindgen and wasm-opt passes as the package); the difference is
// what serde-wasm-bindgen adds on top of a module that already has the JSON
// path (serde_json's Value, its parser and its serializer).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { BENCH_PKG, buildBenchWasmNoSwb, wasmOptFlags } from "./build.mjs";
import { sessionData } from "./fixture.mjs";
import { median, round } from "./stats.mjs";

/** The three sessions: ~84 B, the ~1 KiB bench fixture, ~11 KB. */
export function boundarySessions() {
  const small = { uid: "usr_8f14e45fceea167a0", csrf: "q3Jx0Vb9mY2L7tRk5wZp8nFhC4sGd1eA6uKoTiXyN0M" };
  const large = sessionData();
  large.cart = Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: 1 + (i % 3), price: 499 + i * 100 }));
  large.recent = Array.from({ length: 86 }, (_, i) => ({
    path: `/products/category-${i % 7}/item-${10000 + i * 37}`,
    at: 1767225600 + i * 61,
    title: `Product ${i}: “quoted” & more`,
  }));
  return { small, fixture: sessionData(), large };
}

export const DIRECTIONS = ["roundTrip", "toWasm", "toJs"];
export const DIRECTION_LABELS = { roundTrip: "JS→wasm→JS", toWasm: "JS→wasm", toJs: "wasm→JS" };

const gzip = (b) => gzipSync(b, { level: 9 }).length;
const brotli = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
function sizes(path) {
  const b = readFileSync(path);
  return { raw: b.length, gzip: gzip(b), brotli: brotli(b) };
}
const minus = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - b[k]]));

/**
 * Times `jobs` (name → fn doing one operation) in interleaved rounds. Each
 * job's batch size is set, after a warm-up, so one batch takes about `batchMs`; returns
 * name → the µs per operation of each round.
 */
function timeInterleaved(jobs, { batchMs, rounds }) {
  const entries = Object.entries(jobs).map(([name, fn]) => {
    // Warm-up (so the JIT has settled before the batch size is set).
    for (const t0 = performance.now(); performance.now() - t0 < batchMs * 4; ) fn();
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      const ms = performance.now() - t0;
      if (ms >= batchMs / 4 || n >= 1 << 20) {
        n = Math.max(1, Math.round((n * batchMs) / Math.max(ms, 1e-3)));
        break;
      }
      n *= 4;
    }
    return { name, fn, n, xs: [] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const j of entries) {
      const t0 = performance.now();
      for (let i = 0; i < j.n; i++) j.fn();
      j.xs.push(((performance.now() - t0) * 1000) / j.n);
    }
  }
  return Object.fromEntries(entries.map((j) => [j.name, j.xs]));
}

export async function boundaryBench({ quick, log }) {
  const glue = await import(pathToFileURL(join(BENCH_PKG, "edge_session.js")).href);
  glue.initSync({ module: readFileSync(join(BENCH_PKG, "edge_session_bg.wasm")) });
  if (typeof glue.swbRoundTrip !== "function") throw new Error("bench: the bench wasm has no serde-wasm-bindgen exports");
  const plan = quick ? { batchMs: 1, rounds: 3 } : { batchMs: 10, rounds: 31 };
  const out = { sessions: {}, size: null };

  for (const [name, data] of Object.entries(boundarySessions())) {
    const text = JSON.stringify(data);
    log(`bench: boundary, ${name} session (${text.length} B)`);
    const held = glue.BoundaryValue.fromJson(text);
    if (!held) throw new Error("bench: boundary could not parse its session");
    const keys = Object.keys(data).length;
    // Every path must carry the session intact before it is timed.
    const checks = {
      "json round trip": JSON.parse(glue.jsonRoundTrip(JSON.stringify(data))),
      "swb round trip": glue.swbRoundTrip(data),
      "json wasm→JS": JSON.parse(held.toJson()),
      "swb wasm→JS": held.toJs(),
    };
    for (const [what, got] of Object.entries(checks)) {
      if (!isDeepStrictEqual(got, data)) throw new Error(`bench: boundary ${what} did not carry the ${name} session intact`);
    }
    if (glue.jsonIn(text) !== keys || glue.swbIn(data) !== keys) throw new Error(`bench: boundary JS→wasm miscounted the ${name} session`);

    const xs = timeInterleaved(
      {
        "json.roundTrip": () => JSON.parse(glue.jsonRoundTrip(JSON.stringify(data))),
        "swb.roundTrip": () => glue.swbRoundTrip(data),
        "json.toWasm": () => glue.jsonIn(JSON.stringify(data)),
        "swb.toWasm": () => glue.swbIn(data),
        "json.toJs": () => JSON.parse(held.toJson()),
        "swb.toJs": () => held.toJs(),
      },
      plan,
    );
    held.free();
    const pick = (way) => Object.fromEntries(DIRECTIONS.map((d) => [d, round(median(xs[`${way}.${d}`]))]));
    // The ratio is taken within each round (its two jobs ran back to back),
    // then the median over rounds: steadier than a ratio of medians on a busy machine.
    const ratio = (d) => round(median(xs[`swb.${d}`].map((x, r) => x / xs[`json.${d}`][r])), 3);
    out.sessions[name] = {
      bytes: text.length,
      us: { json: pick("json"), swb: pick("swb") },
      swbOverJson: Object.fromEntries(DIRECTIONS.map((d) => [d, ratio(d)])),
    };
  }

  buildBenchWasmNoSwb({ log });
  const noswb = join(BENCH_PKG, "..", "noswb");
  const withSwb = { wasm: sizes(join(BENCH_PKG, "edge_session_bg.wasm")), glue: sizes(join(BENCH_PKG, "edge_session.js")) };
  const without = { wasm: sizes(join(noswb, "edge_session_bg.wasm")), glue: sizes(join(noswb, "edge_session.js")) };
  out.size = {
    method: "bench wasm with vs without the serde-wasm-bindgen exports (--cfg edge_session_bench_no_swb), both through wasm-bindgen and wasm-opt with the package's flags",
    wasmOptFlags: wasmOptFlags().join(" "),
    withSwb,
    withoutSwb: without,
    added: { wasm: minus(withSwb.wasm, without.wasm), glue: minus(withSwb.glue, without.glue) },
  };
  return out;
}
