// The package's wasm modules, read as binaries: what their build steps promise.
// Run: `node --test tests/js/wasm-module.test.mjs` after `make package`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const MODULES = ["../../pkg/edge_session_bg.wasm", "../../pkg/formats/edge_session_formats_bg.wasm"];

function leb(bytes, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
  }
}

/** Each exported function's number of results, by export name. */
function exportResults(bytes) {
  const sections = new Map();
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    if (id !== 0) sections.set(id, body);
    at = body + size;
  }
  const results = [];
  let [count, at] = leb(bytes, sections.get(1));
  for (; count > 0; count--) {
    assert.equal(bytes[at], 0x60, "a function type");
    let n;
    [n, at] = leb(bytes, at + 1);
    at += n; // parameters: one byte each here (numbers, externref)
    [n, at] = leb(bytes, at);
    results.push(n);
    at += n;
  }
  let imported = 0;
  [count, at] = leb(bytes, sections.get(2));
  for (; count > 0; count--) {
    for (let s = 0; s < 2; s++) {
      const [len, next] = leb(bytes, at);
      at = next + len;
    }
    const kind = bytes[at++];
    assert.equal(kind, 0, "only functions are imported");
    [, at] = leb(bytes, at);
    imported++;
  }
  const types = [];
  [count, at] = leb(bytes, sections.get(3));
  for (; count > 0; count--) {
    let t;
    [t, at] = leb(bytes, at);
    types.push(t);
  }
  const out = {};
  [count, at] = leb(bytes, sections.get(7));
  for (; count > 0; count--) {
    const [len, next] = leb(bytes, at);
    const name = new TextDecoder().decode(bytes.subarray(next, next + len));
    const kind = bytes[next + len];
    let index;
    [index, at] = leb(bytes, next + len + 1);
    if (kind === 0) out[name] = results[types[index - imported]];
  }
  return out;
}

// js/build/single-returns.mjs: Node 20 compiles a JS-to-wasm wrapper for every
// export with more than one result when the module compiles (~2.5 ms).
test("every export returns at most one value", () => {
  for (const path of MODULES) {
    const results = exportResults(readFileSync(new URL(path, import.meta.url)));
    assert.ok(Object.keys(results).length > 20, `${path}: exports read`);
    assert.ok("codec_load" in results, `${path}: codec_load exported`);
    const multi = Object.entries(results).filter(([, n]) => n > 1);
    assert.deepEqual(multi, [], `${path}: exports with several results`);
  }
});
