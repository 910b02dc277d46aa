/* @ts-self-types="./index.d.ts" */
// workerd (Cloudflare Workers, Miniflare, wrangler): the .wasm import is a
// precompiled WebAssembly.Module; workerd refuses to compile wasm from bytes.
import wasm from "./edge_session_bg.wasm";
import { Codec, initSync, optionsKey } from "./edge_session.js";
import { useGlue } from "./internal.js";

initSync({ module: wasm });
useGlue({ Codec, optionsKey }, false);

export * from "./core.js";
export * from "./stores.js";
