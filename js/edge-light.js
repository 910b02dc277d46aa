/* @ts-self-types="./index.d.ts" */
// Next.js edge runtime and Vercel Edge (condition `edge-light`): `?module` gives a
// precompiled WebAssembly.Module, as the edge refuses to compile wasm from bytes.
// Turbopack's Module comes from another realm; the glue's check allows that.
import wasm from "./edge_session_bg.wasm?module";
import { Codec, initSync, optionsKey } from "./edge_session.js";
import { useGlue } from "./internal.js";

initSync({ module: wasm });
useGlue({ Codec, optionsKey }, false);

export * from "./core.js";
export * from "./stores.js";
