// `make package`, between cargo and wasm-bindgen: node js/build/single-returns.mjs <in.wasm> <out.wasm>
//
// Leaves `multivalue` out of the module's target_features section, so that
// wasm-bindgen returns strings through linear memory instead of as two values.
// Node 20's V8 compiles a JS-to-wasm wrapper for every export that returns
// more than one value when the module is compiled (its generic wrapper takes
// one result): about 2.5 ms of the first compile in a process (4.0 against
// 1.6 ms, `make bench`'s cold start measures it). Rust's std is built with
// multivalue, so the linker lists it whatever this crate asks; stable Rust
// has no other way to leave it out. Nothing in the module returns more than
// one value either way: Rust's wasm ABI returns through memory.
import { readFileSync, writeFileSync } from "node:fs";

const [path, out] = process.argv.slice(2);
const wasm = readFileSync(path);

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
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
const parts = [wasm.subarray(0, 8)];
let dropped = 0;
for (let at = 8; at < wasm.length; ) {
  const start = at;
  const id = wasm[at++];
  let size;
  [size, at] = leb(wasm, at);
  const end = at + size;
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
      const body = [...uleb(nameLen), ...wasm.subarray(n, n + nameLen), ...uleb(kept.length), ...kept.flat()];
      parts.push(Uint8Array.from([0, ...uleb(body.length), ...body]));
      at = end;
      continue;
    }
  }
  parts.push(wasm.subarray(start, end));
  at = end;
}
if (dropped !== 1) throw new Error(`single-returns: expected multivalue once in ${path}'s target_features, found it ${dropped} times`);
writeFileSync(out, Buffer.concat(parts));
