// Deno >= 2.6: a source-phase import gives the compiled module with no read permission.
import source wasm from "./edge_session_bg.wasm";
import { initSync } from "./edge_session.js";

initSync({ module: wasm });

export * from "./core.js";
export * from "./stores.js";
