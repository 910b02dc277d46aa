// Browsers and bundlers: fetch the .wasm beside this file (bundlers treat
// `new URL(..., import.meta.url)` as an asset) and instantiate it.
import init from "./edge_session.js";

await init({ module_or_path: new URL("./edge_session_bg.wasm", import.meta.url) });

export * from "./core.js";
export * from "./stores.js";
