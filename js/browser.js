/* @ts-self-types="./index.d.ts" */
// Browsers and bundlers, with no top-level await: the wasm starts loading at
// import and loadSession waits for it. It comes from beside this file (bundlers
// treat `new URL(..., import.meta.url)` as an asset). Where that URL gives no
// wasm (Vite <= 7 dev pre-bundling moves this file without it; esbuild does not
// copy it), the inlined copy is imported instead.
import { Codec, initSync, optionsKey } from "./edge_session.js";
import { loadWasm } from "./browser-wasm.js";

loadWasm({ Codec, initSync, optionsKey }, false, new URL("./edge_session_bg.wasm", import.meta.url), () => import("./edge_session_wasm_gz.js"));

export * from "./core.js";
export * from "./stores.js";
