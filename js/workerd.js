/* @ts-self-types="./index.d.ts" */
// workerd (Cloudflare Workers, Miniflare, wrangler): the .wasm import is a
// precompiled WebAssembly.Module; workerd refuses to compile wasm from bytes.
import wasm from "./edge_session_bg.wasm";
import * as glue from "./edge_session.js";
import { useGlue } from "./internal.js";

glue.initSync({ module: wasm });
useGlue(glue, false);

export * from "./core.js";
export * from "./stores.js";
