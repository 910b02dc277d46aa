// The package's wasm modules, read as binaries: what their build steps promise.
// Run: `node --test tests/js/wasm-module.test.mjs` after `make package`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const MODULES = ["../../pkg/edge_session_bg.wasm", "../../pkg/formats/edge_session_formats_bg.wasm"];

function leb(bytes, at) {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = bytes[at++];
    assert.notEqual(b, undefined, "truncated");
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
  }
  assert.fail("a LEB128 number longer than 5 bytes");
}

/** Past one value type: one byte, or (ref null? $t) with its heap type. */
function valtype(bytes, at) {
  const t = bytes[at];
  return t === 0x63 || t === 0x64 ? leb(bytes, at + 1)[1] : at + 1;
}

/** The number of results of each function type in the type section. */
function resultCounts(bytes) {
  let type = null;
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    if (id === 1) type = body;
    at = body + size;
  }
  assert.ok(type !== null, "a type section");
  const out = [];
  let [count, at] = leb(bytes, type);
  for (; count > 0; count--) {
    assert.equal(bytes[at], 0x60, "a function type");
    let n;
    [n, at] = leb(bytes, at + 1);
    for (; n > 0; n--) at = valtype(bytes, at);
    [n, at] = leb(bytes, at);
    out.push(n);
    for (let i = 0; i < n; i++) at = valtype(bytes, at);
  }
  return out;
}

// js/build/single-returns.mjs: Node 20 compiles a JS-to-wasm wrapper for every
// export with more than one result when the module compiles (~2.5 ms).
test("no function returns more than one value", () => {
  for (const path of MODULES) {
    const bytes = readFileSync(new URL(path, import.meta.url));
    assert.ok(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).some((e) => e.name === "codec_load"), path);
    const counts = resultCounts(bytes);
    assert.ok(counts.length > 20, `${path}: types read`);
    assert.deepEqual(
      counts.filter((n) => n > 1),
      [],
      `${path}: types with several results`,
    );
  }
});
