// Size: the shipped .wasm (raw, gzip -9, brotli), the JS glue and driver, and
// a breakdown of the wasm by dependency. The breakdown reads the names-kept
// build (benches/build.mjs: the shipped wasm through wasm-bindgen and the
// package's wasm-opt flags plus -g): every function body and data segment is
// charged to the crate its name starts with. twiggy's `top` and `dominators`
// views of the same file are added when twiggy is installed.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { buildNamesKept, PKG } from "./build.mjs";

const gzip = (b) => gzipSync(b, { level: 9 }).length;
const brotli = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

function sizes(path) {
  const b = readFileSync(path);
  return { raw: b.length, gzip: gzip(b), brotli: brotli(b) };
}

// --- a minimal wasm reader: code bodies, data segments, the name section ---

function reader(buf) {
  let pos = 0;
  const r = {
    get pos() {
      return pos;
    },
    set pos(p) {
      pos = p;
    },
    u8: () => buf[pos++],
    leb() {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = buf[pos++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) return result;
      }
    },
    name() {
      const n = r.leb();
      const s = new TextDecoder().decode(buf.subarray(pos, pos + n));
      pos += n;
      return s;
    },
  };
  return r;
}

function skipConstExpr(r) {
  for (;;) {
    const op = r.u8();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23) r.leb();
  }
}

function skipLimits(r) {
  const flags = r.u8();
  r.leb();
  if (flags & 1) r.leb();
}

/** Every item of the module with its size in bytes. */
export function wasmItems(buf) {
  const r = reader(buf);
  r.pos = 8;
  let importedFuncs = 0;
  const bodies = [];
  const segments = [];
  const sections = [];
  const funcNames = new Map();
  const dataNames = new Map();
  while (r.pos < buf.length) {
    const id = r.u8();
    const size = r.leb();
    const start = r.pos;
    const end = start + size;
    if (id === 2) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0) {
          r.leb();
          importedFuncs++;
        } else if (kind === 1) {
          r.u8();
          skipLimits(r);
        } else if (kind === 2) skipLimits(r);
        else if (kind === 3) {
          r.u8();
          r.u8();
        } else if (kind === 4) {
          r.u8();
          r.leb();
        }
      }
    } else if (id === 10) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        const at = r.pos;
        const n = r.leb();
        r.pos += n;
        bodies.push(r.pos - at);
      }
    } else if (id === 11) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        const at = r.pos;
        const flag = r.leb();
        if (flag === 2) r.leb();
        if (flag !== 1) skipConstExpr(r);
        const n = r.leb();
        r.pos += n;
        segments.push(r.pos - at);
      }
    } else if (id === 0) {
      const name = r.name();
      if (name === "name") {
        while (r.pos < end) {
          const sub = r.u8();
          const subSize = r.leb();
          const subEnd = r.pos + subSize;
          if (sub === 1 || sub === 9) {
            const count = r.leb();
            for (let i = 0; i < count; i++) {
              const idx = r.leb();
              (sub === 1 ? funcNames : dataNames).set(idx, r.name());
            }
          }
          r.pos = subEnd;
        }
      }
      sections.push({ name: `custom section "${name}"`, size: end - start });
    }
    if (id !== 0 && id !== 10 && id !== 11) sections.push({ name: `section ${id}`, size: end - start });
    r.pos = end;
  }
  const items = bodies.map((size, i) => ({
    kind: "code",
    name: funcNames.get(importedFuncs + i) ?? `func[${importedFuncs + i}]`,
    size,
  }));
  segments.forEach((size, i) => items.push({ kind: "data", name: dataNames.get(i) ?? `data[${i}]`, size }));
  for (const s of sections) items.push({ kind: "section", ...s });
  return items;
}

const PRIMITIVE = /^(?:&?(?:mut )?(?:[iuf](?:8|16|32|64|128|size)|bool|char|str)|\[|&|\(|dyn )/;

/** Which dependency an item belongs to, from its (demangled) name. */
export function owner(item) {
  if (item.kind === "data") return "data segments (.rodata, .data)";
  if (item.kind === "section") return item.name.includes('"name"') ? "name section (not shipped)" : "module structure (types, imports, exports, tables)";
  let n = item.name;
  if (/^__wbg|^__wbindgen|^__externref|^wasm_bindgen/.test(n)) return "wasm-bindgen";
  if (n.startsWith("<")) {
    const inner = n.slice(1);
    const as = inner.indexOf(" as ");
    n = PRIMITIVE.test(inner) && as >= 0 ? inner.slice(as + 4) : inner;
  }
  const m = n.match(/^([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::([A-Za-z_][A-Za-z0-9_]*)?/);
  if (!m) return "edge_session (export shims, inlined bodies)";
  const crate = m[1];
  if (crate === "core" && (m[2] === "fmt" || m[2] === "panicking")) return `core::${m[2]}`;
  if (crate === "edge_session" && m[2]) return `edge_session::${m[2]}`;
  if (crate === "std" || crate === "alloc") return "alloc/std";
  return crate;
}

function twiggy(args) {
  try {
    return execFileSync("twiggy", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
}

export function sizeBench({ log }) {
  log("bench: size");
  const wasmPath = join(PKG, "edge_session_bg.wasm");
  const shipped = {
    wasm: sizes(wasmPath),
    glue: sizes(join(PKG, "edge_session.js")),
    // `edge-session/formats`: every foreign format, for the apps that need one.
    formatsWasm: sizes(join(PKG, "formats/edge_session_formats_bg.wasm")),
    driver: {},
  };
  for (const f of ["core.js", "crypto.js", "internal.js", "stores.js", "workerd.js", "node.js", "deno.js", "browser.js", "browser-wasm.js"]) {
    if (existsSync(join(PKG, f))) shipped.driver[f] = sizes(join(PKG, f));
  }
  // What a Worker ships: wasm + glue + driver + stores + the workerd entry.
  const workerFiles = ["edge_session_bg.wasm", "edge_session.js", "core.js", "crypto.js", "internal.js", "stores.js", "workerd.js"];
  const all = Buffer.concat(workerFiles.map((f) => readFileSync(join(PKG, f))));
  shipped.workerTotal = { files: workerFiles, raw: all.length, gzipEach: workerFiles.reduce((a, f) => a + gzip(readFileSync(join(PKG, f))), 0) };

  const names = buildNamesKept({ log });
  let breakdown = null;
  if (names) {
    const items = wasmItems(readFileSync(names.wasm));
    const by = new Map();
    for (const it of items) {
      const o = owner(it);
      const e = by.get(o) ?? { bytes: 0, items: 0 };
      e.bytes += it.size;
      e.items++;
      by.set(o, e);
    }
    const shippedBytes = items.filter((i) => owner(i) !== "name section (not shipped)").reduce((a, i) => a + i.size, 0);
    const byDependency = [...by.entries()]
      .map(([name, e]) => ({ name, ...e, share: e.bytes / shippedBytes }))
      .filter((e) => e.name !== "name section (not shipped)")
      .sort((a, b) => b.bytes - a.bytes);
    const top = items
      .filter((i) => i.kind !== "section")
      .sort((a, b) => b.size - a.size)
      .slice(0, 25)
      .map((i) => ({ name: i.name.replace(/::h[0-9a-f]{16}$/, ""), bytes: i.size, owner: owner(i) }));
    breakdown = {
      method:
        "names-kept build (wasm-bindgen, then the package's wasm-opt flags plus -g); each code body and data segment charged to the crate its demangled name starts with (LTO inlining charges inlined code to the caller)",
      file: "target/bench/names/edge_session_bg.wasm",
      matchesShipped: names.fresh,
      codeAndDataBytes: shippedBytes,
      byDependency,
      top,
      twiggyTop: twiggy(["top", "-n", "20", names.wasm]),
      twiggyDominators: twiggy(["dominators", "-d", "2", "-r", "30", names.wasm]),
    };
  }
  return { shipped, breakdown };
}
