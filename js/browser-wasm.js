// How the browser entries (browser.js, formats/browser.js) load their wasm:
// fetched from `url`, or the inlined gzipped copy `inline()` imports when that
// URL gives something else. No top-level await: loadSession waits for it.
import { internal, useGlue } from "./internal.js";
import "./core.js";

export function loadWasm(glue, full, url, inline) {
  internal.whenReady(load(glue, full, url, inline));
}

async function load(glue, full, url, inline) {
  let module;
  try {
    module = await compile(url);
  } catch (fetchError) {
    try {
      const { wasmBytes } = await inline();
      module = await WebAssembly.compile(await wasmBytes());
    } catch (inlineError) {
      throw new Error(
        `edge-session: no WebAssembly at ${url} (${fetchError.message}), and its inlined copy failed: ${inlineError.message}`,
      );
    }
  }
  glue.initSync({ module });
  useGlue({ Codec: glue.Codec, optionsKey: glue.optionsKey }, full);
}

async function compile(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/wasm")) return WebAssembly.compileStreaming(response);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // "\0asm": anything else is a dev server's HTML fallback page or the like.
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error(`the server sent ${type || "a response with no content type"}, not wasm`);
  }
  return WebAssembly.compile(bytes);
}
