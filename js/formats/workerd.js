/* @ts-self-types="../index.d.ts" */
// `edge-session/formats` in workerd: as ../workerd.js, with every format.
import wasm from "./edge_session_formats_bg.wasm";
import * as glue from "./edge_session_formats.js";
import { useGlue } from "../internal.js";

glue.initSync({ module: wasm });
useGlue(glue, true);

export * from "../core.js";
export * from "../stores.js";
