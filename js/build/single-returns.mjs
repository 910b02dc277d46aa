// `make package`, between cargo and wasm-bindgen: node js/build/single-returns.mjs <in.wasm> <out.wasm>
//
// Leaves `multivalue` out of the module's target_features section, so that
// wasm-bindgen returns strings through linear memory instead of as two values.
// Node 20's V8 compiles a JS-to-wasm wrapper for every export that returns
// more than one value when the module is compiled (its generic wrapper takes
// one result): `make bench`'s compile + instantiate on Node 20 went from 5.9
// to 2.7 ms (benches/results.md before and after). Rust's std is built with
// multivalue, so the linker lists it whatever this crate asks; stable Rust
// has no other way to leave it out. Nothing in the module returns more than
// one value either way: Rust's wasm ABI returns through memory.
import { readFileSync, writeFileSync } from "node:fs";

const [path, out] = process.argv.slice(2);
const wasm = readFileSync(path);

function fail(why) {
  throw new Error(`single-returns: ${path}: ${why}`);
}

function leb(bytes, at) {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = bytes[at++];
    if (b === undefined) fail("truncated");
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
  }
  fail("a LEB128 number longer than 5 bytes");
}

function uleb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

const name = (bytes) => new TextDecoder().decode(bytes);
if (wasm.readUInt32BE(0) !== 0x0061736d || wasm.readUInt32LE(4) !== 1) fail("not a wasm module (version 1)");
const parts = [wasm.subarray(0, 8)];
let dropped = 0;
for (let at = 8; at < wasm.length; ) {
  const start = at;
  const id = wasm[at++];
  let size;
  [size, at] = leb(wasm, at);
  const end = at + size;
  if (end > wasm.length) fail("a section runs past the end");
  if (id === 0) {
    const [nameLen, n] = leb(wasm, at);
    if (name(wasm.subarray(n, n + nameLen)) === "target_features") {
      let [count, p] = leb(wasm, n + nameLen);
      const kept = [];
      for (; count > 0; count--) {
        const prefix = wasm[p];
        const [len, q] = leb(wasm, p + 1);
        const feature = wasm.subarray(q, q + len);
        if (name(feature) === "multivalue") dropped++;
        else kept.push([prefix, ...uleb(len), ...feature]);
        p = q + len;
      }
      if (p !== end) fail("target_features does not end where its section does");
      const body = [...uleb(nameLen), ...wasm.subarray(n, n + nameLen), ...uleb(kept.length), ...kept.flat()];
      parts.push(Uint8Array.from([0, ...uleb(body.length), ...body]));
      at = end;
      continue;
    }
  }
  parts.push(wasm.subarray(start, end));
  at = end;
}
if (dropped !== 1) fail(`expected multivalue once in target_features, found it ${dropped} times`);
writeFileSync(out, Buffer.concat(parts));
