/* @ts-self-types="./index.d.ts" */
// Browsers and bundlers, with no top-level await: the wasm starts loading at
// import and loadSession waits for it. It comes from beside this file (bundlers
// treat `new URL(..., import.meta.url)` as an asset). Where that URL gives no
// wasm (Vite <= 7 dev pre-bundling moves this file without it; esbuild does not
// copy it), the inlined copy is imported instead.
import { initSync } from "./edge_session.js";
import { internal } from "./internal.js";
import "./core.js";

internal.whenReady(load(new URL("./edge_session_bg.wasm", import.meta.url)));

export * from "./core.js";
export * from "./stores.js";

async function load(url) {
  let module;
  try {
    module = await compile(url);
  } catch (fetchError) {
    try {
      const { wasmBytes } = await import("./edge_session_wasm_gz.js");
      module = await WebAssembly.compile(await wasmBytes());
    } catch (inlineError) {
      throw new Error(
        `edge-session: no WebAssembly at ${url} (${fetchError.message}), and its inlined copy failed: ${inlineError.message}`,
      );
    }
  }
  initSync({ module });
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
