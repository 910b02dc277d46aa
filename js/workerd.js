/* @ts-self-types="./index.d.ts" */
// workerd (Cloudflare Workers, Miniflare, wrangler): the .wasm import is a
// precompiled WebAssembly.Module; workerd refuses to compile wasm from bytes.
import wasm from "./edge_session_bg.wasm";
import { initSync } from "./edge_session.js";

initSync({ module: wasm });

export * from "./core.js";
export * from "./stores.js";
