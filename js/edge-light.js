/* @ts-self-types="./index.d.ts" */
// Next.js edge runtime and Vercel Edge (condition `edge-light`): `?module` gives a
// precompiled WebAssembly.Module, as the edge refuses to compile wasm from bytes.
// Turbopack's Module comes from another realm; the glue's check allows that.
import wasm from "./edge_session_bg.wasm?module";
import { initSync } from "./edge_session.js";

initSync({ module: wasm });

export * from "./core.js";
export * from "./stores.js";
