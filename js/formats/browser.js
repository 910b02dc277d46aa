/* @ts-self-types="../index.d.ts" */
// `edge-session/formats` in browsers: as ../browser.js, with every format.
import { Codec, initSync, optionsKey } from "./edge_session_formats.js";
import { loadWasm } from "../browser-wasm.js";

loadWasm({ Codec, initSync, optionsKey }, true, new URL("./edge_session_formats_bg.wasm", import.meta.url), () => import("./edge_session_formats_wasm_gz.js"));

export * from "../core.js";
export * from "../stores.js";
