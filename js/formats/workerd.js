/* @ts-self-types="../index.d.ts" */
// `edge-session/formats` in workerd: as ../workerd.js, with every format.
import wasm from "./edge_session_formats_bg.wasm";
import { Codec, initSync, optionsKey } from "./edge_session_formats.js";
import { useGlue } from "../internal.js";

initSync({ module: wasm });
useGlue({ Codec, optionsKey }, true);

export * from "../core.js";
export * from "../stores.js";
