/* @ts-self-types="../index.d.ts" */
// `edge-session/formats` on the Next.js edge runtime: as ../edge-light.js, with every format.
import wasm from "./edge_session_formats_bg.wasm?module";
import { Codec, initSync, optionsKey } from "./edge_session_formats.js";
import { useGlue } from "../internal.js";

initSync({ module: wasm });
useGlue({ Codec, optionsKey }, true);

export * from "../core.js";
export * from "../stores.js";
